"""GPU check: train the paper's three main models for a few iterations per paradigm, with and
without AMP, through the real ``tools/train.py`` (``tools/dist_train.sh`` on several GPUs), and
print iteration time, throughput and peak memory side by side.

Models (each config's real input size and per-GPU batch):

* ``resnet50``: ``configs/classification/resnet50/resnet50_protuning_cifar100.py`` (224², 16)
* ``upernet-r50``: ``configs/upernet_r50_protuning_ade20k.py`` (512² crops, 4; SyncBN on several GPUs)
* ``htc-r50``: ``configs/htc_r50_protuning_coco.py`` (640x480 images resized to 1066x800, 2)

Paradigms: ``head``, ``protuning``, ``memory-mode`` (``with_cp``, and UperNet's and HTC's memory-mode configs),
``full``. Everything else is the config's own, changed only with ``--cfg-options``: synthetic data
written on the fly by the test suite's generators (``tests/datagen*.py``; CIFAR-100, ADE20K and COCO
layouts), random initialisation instead of the ImageNet checkpoints (``init_cfg=None``: no
network needed), an iteration-based loop of ``--iters`` iterations, no validation, no checkpoint,
a log line per iteration. Timing and memory come from mmengine's own log (``vis_data/scalars.json``):
``time`` per iteration (data loading included; median over the iterations after ``--warmup``) and
``memory``, the peak of ``torch.cuda.max_memory_allocated`` on rank 0 in MiB (mmengine resets it at
every log line; the table shows the maximum over the run).

With ``--latency`` it also times inference on the GPU: ``benchmarks/training_cost.py --no-train`` (one
fresh process per batch size) for ResNet-50 and Swin-S at batch 1 and 32, the plain model against the
Pro-tuned one, eager, with compiled prompts (``compile_prompts=True``) and the whole model compiled
(``torch.compile`` with freezing), and appends its table (ratios to the plain model; FLOPs ratio beside).
Compiling costs minutes on a GPU (each compiled variant per batch size), hence opt-in.

Usage:
    python benchmarks/gpu_check.py [--models resnet50 upernet-r50 htc-r50] [--paradigms ...]
        [--iters 20] [--warmup 5] [--gpus 1] [--amp both|on|off] [--latency]
        [--out work_dirs/gpu_check/result]
    python benchmarks/gpu_check.py --dry-run     # print the commands, run nothing (no GPU needed)
"""
import argparse
import json
import os
import os.path as osp
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
# the same four paradigms, and the memory-mode configs
from training_cost import MEMORY_MODE_CONFIGS, MODELS as _COST_MODELS, PARADIGMS as _COST_PARADIGMS, table as cost_table  # noqa: E402

# CLI name -> (ProTuningBackbone paradigm, memory mode)
PARADIGMS = {label.replace(' ', '-'): spec for label, spec in _COST_PARADIGMS.items()}


@dataclass(frozen=True)
class Model:
    """A model of the check: its config, where its synthetic data goes and how to point at it."""
    config: str
    data: str  # sub-folder of the data dir, the config's data_root
    batch: int  # per GPU, the config's
    input_size: str  # for the table
    options: Sequence[str]  # --cfg-options beyond the common ones; '{data}' is the data_root


MODELS = {
    'resnet50': Model('configs/classification/resnet50/resnet50_protuning_cifar100.py', 'cifar100', 16, '224²',
                      ('train_dataloader.dataset.data_root={data}', 'train_dataloader.dataset.check_md5=False',
                       'model.backbone.backbone.init_cfg=None')),
    'upernet-r50': Model('configs/upernet_r50_protuning_ade20k.py', 'ade/ADEChallengeData2016', 4, '512²',
                         ('train_dataloader.dataset.data_root={data}', 'model.pretrained=None')),
    'htc-r50': Model('configs/htc_r50_protuning_coco.py', 'coco', 2, '1066x800',
                     ('train_dataloader.dataset.data_root={data}/', 'model.backbone.backbone.init_cfg=None')),
}


def common_options(iters: int) -> List[str]:
    """What every run changes: an iteration loop without validation or checkpoints, and a log
    line (mmengine's time/memory record) per iteration. The config's learning-rate schedule stays:
    its warm-up keeps the randomly initialised detectors finite (HTC's loss reached NaN by
    iteration 3 at the full rate in a CPU trial)."""
    return [
        'train_cfg._delete_=True', 'train_cfg.type=IterBasedTrainLoop', f'train_cfg.max_iters={iters}',
        *[f'{key}=None' for key in ('val_cfg', 'val_dataloader', 'val_evaluator',
                                    'test_cfg', 'test_dataloader', 'test_evaluator')],
        'default_hooks.logger.interval=1', 'log_processor.window_size=1', 'log_processor.by_epoch=False',
        'default_hooks.checkpoint.interval=1000000', 'default_hooks.checkpoint.save_last=False',
        'randomness.seed=0',
    ]


def run_name(model: str, paradigm: str, amp: bool) -> str:
    return f'{model}_{paradigm.replace("+", "-")}_{"amp" if amp else "fp32"}'


def command(model: str, paradigm: str, amp: bool, iters: int, gpus: int, data_dir: str,
            work_dir: str) -> List[str]:
    """The ``tools/train.py`` (1 GPU) or ``tools/dist_train.sh`` (several) command of one run."""
    spec = MODELS[model]
    name, memory_mode = PARADIGMS[paradigm]
    # memory mode: with_cp, plus the heads' activation_checkpointing where the model has a memory-mode config
    config = MEMORY_MODE_CONFIGS.get(model, spec.config) if memory_mode else spec.config
    options = [o.format(data=osp.join(data_dir, spec.data)) for o in spec.options]
    options += [f'model.backbone.paradigm={name}', f'model.backbone.with_cp={memory_mode}', *common_options(iters)]
    args = [config, '--work-dir', osp.join(work_dir, run_name(model, paradigm, amp))]
    args += ['--amp'] if amp else []
    args += ['--cfg-options', *options]
    if gpus > 1:
        return ['bash', 'tools/dist_train.sh', config, str(gpus), *args[1:]]
    return [sys.executable, 'tools/train.py', *args]


# training_cost.py times inference of classifiers (at every batch size) and segmentors (batch 1), not detectors
LATENCY_MODELS = [name for name, spec in _COST_MODELS.items() if spec[1] != 'mmdet']


def latency_command(models: Sequence[str], rounds: int, json_path: str) -> List[str]:
    """The ``benchmarks/training_cost.py`` command that times inference (eager and compiled) on the GPU."""
    return [sys.executable, 'benchmarks/training_cost.py', '--no-train', '--models', *models,
            '--infer-batches', '1', '32', '--infer-rounds', str(rounds), '--infer-repeats', '1', '--json', json_path]


def latency_table(json_path: str) -> str:
    """The latency tables of a ``training_cost.py --json`` run, as training_cost.py prints them."""
    with open(json_path) as f:
        saved = json.load(f)
    saved.pop('_meta')
    return cost_table(saved)


def make_data(data_dir: str, models: Sequence[str]) -> None:
    """Write the synthetic datasets the models need (once; reused when present)."""
    sys.path.insert(0, osp.join(ROOT, 'tests'))
    for model in models:
        folder = osp.join(data_dir, MODELS[model].data)
        if osp.isfile(osp.join(folder, '.complete')):
            continue
        print(f'writing synthetic data for {model} into {folder}', flush=True)
        if model == 'resnet50':
            from datagen import make_cifar
            make_cifar(Path(folder), num_classes=100, train_per_class=(16, ) * 8,
                       test_per_class=1)
        elif model == 'upernet-r50':
            from datagen_ade import make_ade20k
            # ADE20K-like 683x512 images; the config's RandomResize + RandomCrop make 512x512 crops.
            make_ade20k(Path(osp.dirname(folder)), num_train=8, num_val=1, size=(512, 683),
                        num_classes=8)
        else:
            from datagen_coco import make_coco
            # COCO-like 640x480 images; the config's Resize (1333, 800) keeps the ratio: 1066x800.
            make_coco(Path(folder), num_train=8, num_val=1, size=(640, 480))
        open(osp.join(folder, '.complete'), 'w').close()


def parse_scalars(work_dir: str, warmup: int) -> dict:
    """Iteration time, data time, peak memory and losses of a run, from mmengine's scalars.json.

    Args:
        work_dir (str): The run's work dir (mmengine writes ``<timestamp>/vis_data/scalars.json``).
        warmup (int): Iterations left out of the time medians.

    Returns:
        dict: ``iters``, ``time`` and ``data_time`` (s, medians after warm-up), ``memory_mib``
        (max of the logged ``memory``; None without CUDA), ``finite_loss``.

    Raises:
        RuntimeError: If the run logged no more iterations than ``warmup``.
    """
    runs = sorted(d for d in os.listdir(work_dir) if osp.isfile(osp.join(work_dir, d, 'vis_data', 'scalars.json')))
    if not runs:
        raise RuntimeError(f'no vis_data/scalars.json under {work_dir}')
    with open(osp.join(work_dir, runs[-1], 'vis_data', 'scalars.json')) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    rows = sorted((r for r in rows if 'time' in r and 'loss' in r), key=lambda r: r.get('step', r.get('iter', 0)))
    if len(rows) <= warmup:
        raise RuntimeError(f'{work_dir}: {len(rows)} logged iterations, not more than --warmup {warmup}')
    steady = rows[warmup:]
    memory = [r['memory'] for r in rows if 'memory' in r]
    return dict(iters=len(rows), time=statistics.median(r['time'] for r in steady),
                data_time=statistics.median(r.get('data_time', 0.0) for r in steady),
                memory_mib=max(memory) if memory else None,
                finite_loss=all(abs(r['loss']) < float('inf') and r['loss'] == r['loss'] for r in rows))


def table(results: List[dict], gpus: int) -> str:
    """One markdown table; ratios against full fine-tuning of the same model and AMP setting."""
    full = {(r['model'], r['amp']): r for r in results if r['paradigm'] == 'full' and 'time' in r}
    lines = [f'| model (input, batch/GPU × {gpus} GPU) | paradigm | AMP | iteration (ms) | data (ms) | images/s | '
             'peak memory (MiB) | time × full | memory × full |',
             '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |']
    for r in results:
        spec = MODELS[r['model']]
        head = f'| {r["model"]} ({spec.input_size}, {spec.batch}) | {r["paradigm"]} | {"on" if r["amp"] else "off"} |'
        if 'time' not in r:
            lines.append(f'{head} failed: {r.get("error", "?")[:80]} |' + ' |' * 5)
            continue
        ref = full.get((r['model'], r['amp']))
        mem = r['memory_mib']
        t_ratio = f'{r["time"] / ref["time"]:.2f}' if ref else '–'
        m_ratio = f'{mem / ref["memory_mib"]:.2f}' if ref and mem and ref['memory_mib'] else '–'
        flag = '' if r['finite_loss'] else ' (loss not finite)'
        lines.append(f'{head} {r["time"] * 1e3:.0f}{flag} | {r["data_time"] * 1e3:.0f} | '
                     f'{spec.batch * gpus / r["time"]:.1f} | {mem if mem is not None else "–"} | {t_ratio} | {m_ratio} |')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--models', nargs='+', choices=list(MODELS), default=list(MODELS))
    parser.add_argument('--paradigms', nargs='+', choices=list(PARADIGMS), default=list(PARADIGMS))
    parser.add_argument('--iters', type=int, default=20, help='training iterations per run (default: 20)')
    parser.add_argument('--warmup', type=int, default=5, help='first iterations left out of the timing (default: 5)')
    parser.add_argument('--gpus', type=int, default=1, help='GPUs per run; >1: tools/dist_train.sh (default: 1)')
    parser.add_argument('--amp', choices=('both', 'on', 'off'), default='both')
    parser.add_argument('--work-dir', default='work_dirs/gpu_check', help='runs and synthetic data go here')
    parser.add_argument('--latency', action='store_true',
                        help='also time inference, eager and compiled, with benchmarks/training_cost.py')
    parser.add_argument('--latency-models', nargs='+', default=['resnet50', 'swin-s'], choices=LATENCY_MODELS,
                        help='models for --latency (default: resnet50 swin-s)')
    parser.add_argument('--latency-rounds', type=int, default=20, help='timed passes per variant (default: 20)')
    parser.add_argument('--out', help='also write the table to OUT.md and the results to OUT.json')
    parser.add_argument('--dry-run', action='store_true', help='print the commands and exit')
    args = parser.parse_args(argv)
    if args.iters <= args.warmup:
        parser.error(f'--iters {args.iters} must be larger than --warmup {args.warmup}')
    work_dir = osp.abspath(args.work_dir)
    data_dir = osp.join(work_dir, 'data')
    amps = {'both': (False, True), 'on': (True, ), 'off': (False, )}[args.amp]
    runs = [(m, p, a) for m in args.models for a in amps for p in args.paradigms]
    commands = [command(m, p, a, args.iters, args.gpus, data_dir, work_dir) for m, p, a in runs]
    latency_cmd = (latency_command(args.latency_models, args.latency_rounds, osp.join(work_dir, 'latency.json'))
                   if args.latency else None)
    if args.dry_run:
        print('\n'.join(shlex.join(c) for c in commands + [latency_cmd] * args.latency))
        return 0

    import torch
    if not torch.cuda.is_available():
        print(f'gpu_check needs a CUDA GPU, and torch {torch.__version__} (CUDA {torch.version.cuda}) sees none. '
              'Run it on a GPU machine (see docs/benchmarks.md, "GPU check"); --dry-run prints the commands.',
              file=sys.stderr)
        return 2
    if args.gpus > torch.cuda.device_count():
        print(f'--gpus {args.gpus}, but torch sees {torch.cuda.device_count()} GPU(s).', file=sys.stderr)
        return 2
    make_data(data_dir, args.models)
    env = dict(os.environ, PYTHON=sys.executable,  # dist_train.sh's interpreter; some hosts lack `python`
               PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get('PYTHONPATH')])))
    results = []
    start = time.time()
    for (model, paradigm, amp), cmd in zip(runs, commands):
        name = run_name(model, paradigm, amp)
        print(f'[{time.time() - start:.0f}s] {name}: {shlex.join(cmd)}', flush=True)
        log = osp.join(work_dir, f'{name}.log')
        os.makedirs(work_dir, exist_ok=True)
        with open(log, 'w') as f:
            proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)
        result = dict(model=model, paradigm=paradigm, amp=amp, log=log)
        try:
            if proc.returncode != 0:
                raise RuntimeError(f'exit {proc.returncode}, see {log}')
            result.update(parse_scalars(osp.join(work_dir, name), args.warmup))
        except RuntimeError as err:
            result['error'] = str(err)
            print(f'  failed: {err}', flush=True)
        results.append(result)
    latency = None
    if latency_cmd:
        print(f'[{time.time() - start:.0f}s] latency: {shlex.join(latency_cmd)}', flush=True)
        log = osp.join(work_dir, 'latency.log')
        proc = subprocess.run(latency_cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        with open(log, 'w') as f:
            f.write(proc.stdout + proc.stderr)
        latency = dict(log=log, table=latency_table(latency_cmd[-1])) if proc.returncode == 0 else dict(
            log=log, error=f'exit {proc.returncode}, see {log}')
    report = (f'GPU check: {torch.cuda.get_device_name()} × {args.gpus}, torch {torch.__version__}, {args.iters} '
              f'iterations per run (median of the last {args.iters - args.warmup}), random init, synthetic data; '
              f'{time.time() - start:.0f} s in all.\n\n{table(results, args.gpus)}')
    if latency:
        report += ('\n\nInference latency (benchmarks/training_cost.py, batch 1 and 32, one process each):\n\n'
                   + latency.get('table', f'failed: {latency.get("error")}'))
    print(report)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(f'{args.out}.md', 'w') as f:
            f.write(report + '\n')
        with open(f'{args.out}.json', 'w') as f:
            json.dump(dict(device=torch.cuda.get_device_name(), gpus=args.gpus, torch=torch.__version__,
                           iters=args.iters, warmup=args.warmup, results=results, latency=latency), f, indent=1)
    return 1 if any('error' in r for r in results + [latency or {}]) else 0


if __name__ == '__main__':
    sys.exit(main())
