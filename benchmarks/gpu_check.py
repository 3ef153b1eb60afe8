"""GPU check: train the paper's main models for a few iterations per paradigm, with and without
AMP, through the real ``tools/train.py`` and ``tools/dist_train.sh``, in stages that each save
what they measured before the next starts, so that numbers come before mmcv's ops are compiled
and a run cut off by its time limit still returns them.

Stages (``--stage-limits`` and ``--time-limit`` bound them; a stage out of time lists the runs it
did not start, and the last stage takes what is left):

* **stage 0** (≤ 2 min): the GPU torch sees (``--probe``), then ``tools/install.sh`` (``--offline
  BUNDLE`` with ``--bundle``) with ``PROTUNING_MMCV_FLAVOUR=lite``: mmcv's own ``MMCV_WITH_OPS=0``
  build, pure Python, seconds instead of the ops' minutes; then the stack's versions.
* **stage 1** (≤ 4 min): the models that call no mmcv op, ResNet-50 classification and UperNet R-50.
* **stage 2** (the rest): mmcv's CUDA ops, built by install.sh (``PROTUNING_MMCV_FLAVOUR=cuda``) for
  the visible GPU's architecture only (``TORCH_CUDA_ARCH_LIST``) with every core (``MAX_JOBS``), then
  HTC R-50 and Cascade Mask R-CNN R-50. ``--skip-ops`` leaves it out.

Models (each config's real input size and per-GPU batch):

* ``resnet50``: ``configs/classification/resnet50/resnet50_protuning_cifar100.py`` (224², 16)
* ``upernet-r50``: ``configs/upernet_r50_protuning_ade20k.py`` (512² crops, 4; SyncBN under dist_train.sh)
* ``htc-r50``: ``configs/htc_r50_protuning_coco.py`` (640x480 images resized to 1066x800, 2)
* ``cascade-r50``: ``configs/cascade-mask-rcnn_r50_protuning_coco.py`` (the same images, 2)

Paradigms: ``head``, ``protuning``, ``memory-mode`` (``with_cp``, and UperNet's and HTC's memory-mode
configs), ``full``. Each through ``tools/train.py`` (one process), and ``--dist-paradigms`` also
through ``tools/dist_train.sh`` with ``--gpus`` processes (torchrun, NCCL; a config's SyncBN stays
SyncBN there, while one process converts it to BN). Within a stage the runs go in order of worth
(:func:`stage_runs`): AMP before fp32, and per AMP setting full fine-tuning first, since every ratio
is taken against it. Everything else is the config's own, changed only with ``--cfg-options``:
synthetic data written by the test suite's generators (``protuning_mm.testing``), random
initialisation instead of the ImageNet checkpoints (no network), an iteration loop of ``--iters``
iterations, no validation, no checkpoint, a log line per iteration. Timing and memory come from
mmengine's own log (``vis_data/scalars.json``): ``time`` per iteration (data loading included;
median after ``--warmup``) and ``memory``, the peak of ``torch.cuda.max_memory_allocated`` on rank 0.

With ``--latency`` stage 1 also times inference: ``benchmarks/training_cost.py --no-train`` for
ResNet-50 and Swin-S at batch 1 and 32, eager and as whole models compiled
(minutes of compiling: raise stage 1's limit).

Results go to ``--out`` (a folder, flat, seven files at most): ``stage0.json``/``.md``,
``stage1.json``/``.md``, ``stage2.json``/``.md`` and ``report.md``, all of them rewritten atomically
(temporary file, then rename) after every step, so whatever stops the check, each file holds the
steps finished before. Logs and runs stay in ``--work-dir``; a failed step's log tail is in the JSON.

Usage:
    python benchmarks/gpu_check.py --plan        # the one command for a bare GPU machine, what to carry
    python benchmarks/gpu_check.py --bundle offline_bundle --out "$OUT" --time-limit 570
    python benchmarks/gpu_check.py --no-install --out work_dirs/gpu_check/result   # stack installed already
        [--models ...] [--paradigms ...] [--dist-paradigms ...] [--iters 20] [--warmup 5] [--gpus 1]
        [--amp both|on|off] [--skip-ops] [--stage-limits 120 240] [--latency]
    python benchmarks/gpu_check.py --dry-run     # the commands of each stage, run nothing (no GPU needed)
"""
import argparse
import datetime
import importlib.util
import json
import os
import os.path as osp
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Dict, List, Optional, Sequence

# the same four paradigms, and the memory-mode configs
if __package__:  # imported as benchmarks.gpu_check
    from .training_cost import MEMORY_MODE_CONFIGS, MODELS as _COST_MODELS, PARADIGMS as _COST_PARADIGMS, table as cost_table
else:  # run as `python3 benchmarks/gpu_check.py`: benchmarks/ is sys.path[0]
    from training_cost import MEMORY_MODE_CONFIGS, MODELS as _COST_MODELS, PARADIGMS as _COST_PARADIGMS, table as cost_table

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

# CLI name -> (ProTuningBackbone paradigm, memory mode)
PARADIGMS = {label.replace(' ', '-'): spec for label, spec in _COST_PARADIGMS.items()}
STAGE_TITLES = {0: 'install (mmcv without compiled ops), GPU, stack',
                1: 'models without mmcv ops',
                2: "mmcv's CUDA ops, then the detectors"}
# The device machine: one command may run 600 s; this leaves half a minute to write and return the files.
DEVICE_TIME_LIMIT = 570
# The recorded bundle.json of the bundle last made for the device machine: what --plan quotes when
# no bundle is at hand.
MEASURED_BUNDLE = osp.join(ROOT, 'benchmarks', 'gpu_check_bundle.json')
LOG_TAIL = 2000  # characters of a failed step's log kept in the JSON


@dataclass(frozen=True)
class Model:
    """A model of the check: its config, where its synthetic data goes and how to point at it."""
    config: str
    data: str  # sub-folder of the data dir, the config's data_root
    batch: int  # per GPU, the config's
    input_size: str  # for the table
    options: Sequence[str]  # --cfg-options beyond the common ones; '{data}' is the data_root
    needs_ops: bool = False  # calls mmcv's compiled ops (RoIAlign, nms): stage 2


MODELS = {
    'resnet50': Model('configs/classification/resnet50/resnet50_protuning_cifar100.py', 'cifar100', 16, '224²',
                      ('train_dataloader.dataset.data_root={data}', 'train_dataloader.dataset.check_md5=False',
                       'model.backbone.backbone.init_cfg=None')),
    'upernet-r50': Model('configs/upernet_r50_protuning_ade20k.py', 'ade/ADEChallengeData2016', 4, '512²',
                         ('train_dataloader.dataset.data_root={data}', 'model.pretrained=None')),
    'htc-r50': Model('configs/htc_r50_protuning_coco.py', 'coco', 2, '1066x800',
                     ('train_dataloader.dataset.data_root={data}/', 'model.backbone.backbone.init_cfg=None'),
                     needs_ops=True),
    'cascade-r50': Model('configs/cascade-mask-rcnn_r50_protuning_coco.py', 'coco', 2, '1066x800',
                         ('train_dataloader.dataset.data_root={data}/', 'model.backbone.backbone.init_cfg=None'),
                         needs_ops=True),
}


@dataclass(frozen=True)
class Run:
    """One training run: a model and paradigm, with or without AMP, in one process or under torchrun."""
    model: str
    paradigm: str
    amp: bool
    launcher: str = 'single'  # 'single': tools/train.py; 'dist': tools/dist_train.sh

    @property
    def name(self) -> str:
        return run_name(self.model, self.paradigm, self.amp, self.launcher)


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


def run_name(model: str, paradigm: str, amp: bool, launcher: str = 'single') -> str:
    suffix = '_dist' if launcher == 'dist' else ''
    return f'{model}_{paradigm.replace("+", "-")}_{"amp" if amp else "fp32"}{suffix}'


def command(model: str, paradigm: str, amp: bool, iters: int, data_dir: str, work_dir: str,
            launcher: str = 'single', gpus: int = 1) -> List[str]:
    """The ``tools/train.py`` (``launcher='single'``) or ``tools/dist_train.sh`` (``'dist'``, with
    ``gpus`` processes) command of one run."""
    spec = MODELS[model]
    name, memory_mode = PARADIGMS[paradigm]
    # memory mode: with_cp, plus the heads' activation_checkpointing where the model has a memory-mode config
    config = MEMORY_MODE_CONFIGS.get(model, spec.config) if memory_mode else spec.config
    options = [o.format(data=osp.join(data_dir, spec.data)) for o in spec.options]
    options += [f'model.backbone.paradigm={name}', f'model.backbone.with_cp={memory_mode}', *common_options(iters)]
    args = ['--work-dir', osp.join(work_dir, run_name(model, paradigm, amp, launcher))]
    args += ['--amp'] if amp else []
    args += ['--cfg-options', *options]
    if launcher == 'dist':
        return ['bash', 'tools/dist_train.sh', config, str(gpus), *args]
    return [sys.executable, 'tools/train.py', config, *args]


def stage_runs(models: Sequence[str], paradigms: Sequence[str], amps: Sequence[bool],
               dist_paradigms: Sequence[str]) -> List[Run]:
    """The runs of one stage in the order they go, most telling first, since a stage out of time
    drops the last: AMP before fp32 (GPUs train in mixed precision); per AMP setting, each model's
    ``paradigms`` through ``tools/train.py``, then its ``dist_paradigms`` through ``tools/dist_train.sh``;
    full fine-tuning first in each group, as every ratio is taken against it."""
    def full_first(chosen: Sequence[str]) -> List[str]:
        return sorted(chosen, key=lambda p: p != 'full')  # stable: the given order otherwise

    return [Run(model, paradigm, amp, launcher)
            for amp in sorted(set(amps), reverse=True)
            for launcher, chosen in (('single', paradigms), ('dist', dist_paradigms))
            for model in models for paradigm in full_first(chosen)]


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


def install_command(bundle: Optional[str], flavour: str, **env: str) -> List[str]:
    """``tools/install.sh`` (offline from ``bundle`` if given) building mmcv as ``flavour``, with ``env``."""
    assignments = [f'PROTUNING_MMCV_FLAVOUR={flavour}', *(f'{k}={v}' for k, v in env.items())]
    return ['env', *assignments, 'bash', 'tools/install.sh', *(['--offline', bundle] if bundle else [])]


def probe_command() -> List[str]:
    """This script's ``--probe``: a fresh interpreter reports torch, the GPUs and the stack (JSON)."""
    return [sys.executable, 'benchmarks/gpu_check.py', '--probe']


def data_command(data_dir: str, models: Sequence[str]) -> List[str]:
    """This script's ``--make-data``: the synthetic data sets of ``models`` (in its own process, so
    that the check itself imports neither torch nor the stack)."""
    return [sys.executable, 'benchmarks/gpu_check.py', '--make-data', data_dir, '--models', *models]


def make_data(data_dir: str, models: Sequence[str]) -> None:
    """Write the synthetic datasets the models need (once; reused when present)."""
    from protuning_mm.testing import make_ade20k, make_cifar, make_coco
    for model in models:
        folder = osp.join(data_dir, MODELS[model].data)
        if osp.isfile(osp.join(folder, '.complete')):
            continue
        print(f'writing synthetic data for {model} into {folder}', flush=True)
        if model == 'resnet50':
            make_cifar(Path(folder), num_classes=100, train_per_class=(16, ) * 8,
                       test_per_class=1)
        elif model == 'upernet-r50':
            # ADE20K-like 683x512 images; the config's RandomResize + RandomCrop make 512x512 crops.
            make_ade20k(Path(osp.dirname(folder)), num_train=8, num_val=1, size=(512, 683),
                        num_classes=8)
        else:
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


def table(results: List[dict]) -> str:
    """One markdown table; ratios against full fine-tuning of the same model, launcher and AMP setting."""
    def key(r: dict) -> tuple:
        return r['model'], r.get('launcher', 'single'), r['amp']

    full = {key(r): r for r in results if r['paradigm'] == 'full' and 'time' in r}
    lines = ['| model (input, batch/GPU) | launcher | paradigm | AMP | iteration (ms) | data (ms) | images/s | '
             'peak memory (MiB) | time × full | memory × full |',
             '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |']
    for r in results:
        spec, gpus = MODELS[r['model']], r.get('gpus', 1)
        launcher = f'dist_train.sh × {gpus}' if r.get('launcher') == 'dist' else 'train.py'
        head = (f'| {r["model"]} ({spec.input_size}, {spec.batch}) | {launcher} | {r["paradigm"]} | '
                f'{"on" if r["amp"] else "off"} |')
        if 'time' not in r:
            lines.append(f'{head} failed: {r.get("error", "?")[:80]} |' + ' |' * 5)
            continue
        ref = full.get(key(r))
        mem = r['memory_mib']
        t_ratio = f'{r["time"] / ref["time"]:.2f}' if ref else '–'
        m_ratio = f'{mem / ref["memory_mib"]:.2f}' if ref and mem and ref['memory_mib'] else '–'
        flag = '' if r['finite_loss'] else ' (loss not finite)'
        lines.append(f'{head} {r["time"] * 1e3:.0f}{flag} | {r["data_time"] * 1e3:.0f} | '
                     f'{spec.batch * gpus / r["time"]:.1f} | {mem if mem is not None else "–"} | {t_ratio} | {m_ratio} |')
    return '\n'.join(lines)


# -- stage 0's probe ---------------------------------------------------------------------------------
def _load_tool(name: str) -> ModuleType:
    """``tools/<name>.py`` loaded by path (tools/ is not a package; protuning-mm may not be installed yet)."""
    spec = importlib.util.spec_from_file_location(f'_gpu_check_{name}', osp.join(ROOT, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STACK = ('mmcv', 'mmengine', 'mmdet', 'mmsegmentation', 'mmpretrain', 'timm', 'numpy', 'protuning_mm')


def probe() -> dict:
    """What this host offers the check: Python, torch and the GPUs it sees, the CUDA compiler, the
    stack's versions and whether mmcv has compiled ops. Imports torch but no package of the stack
    (versions come from the installed metadata), so it answers before the install too."""
    from importlib import metadata
    info = dict(python=platform.python_version(), cpus=cores(), versions={})
    for name in STACK:
        try:
            info['versions'][name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info['versions'][name] = None
    try:
        import torch
    except ImportError as err:
        return dict(info, error=f'torch does not import: {err}', cuda_available=False, gpus=[])
    host = _load_tool('install_flavour').probe_host()
    info.update(torch=host.torch_version, torch_cuda=host.torch_cuda, cuda_available=torch.cuda.is_available(),
                gpus=[dict(name=n, capability=f'{c[0]}.{c[1]}') for n, c in zip(host.gpu_names, host.gpus)],
                cuda_home=host.cuda_home, nvcc=host.nvcc_version)
    if info['versions']['mmcv']:
        ops_check = _load_tool('install_flavour')._load_ops_check()
        problem = ops_check.ops_problem('cpu')
        info['mmcv_ops'] = ('compiled' if problem is None else
                            'none (lite build)' if ops_check.built_without_ops() else f'broken: {problem}')
    return info


def stack_line(stack: dict) -> str:
    """One line naming the GPU(s) and the stack of a :func:`probe` result."""
    gpus = stack.get('gpus') or []
    names = sorted({f'{g["name"]} (sm_{g["capability"].replace(".", "")})' for g in gpus})
    versions = ', '.join(f'{k} {v}' for k, v in stack.get('versions', {}).items() if v)
    return (f'{" + ".join(names) or "no GPU"} × {len(gpus)}, {stack.get("cpus")} CPUs; Python {stack.get("python")}, '
            f'torch {stack.get("torch")} (CUDA {stack.get("torch_cuda")}), nvcc {stack.get("nvcc")}; {versions}; '
            f'mmcv ops: {stack.get("mmcv_ops", "–")}')


# -- the stage runner --------------------------------------------------------------------------------
class Stopped(Exception):
    """SIGTERM (e.g. from ``timeout``): the current step is ended and the files are written."""


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader (or a kill at any moment) sees the old file or
    the new one, never half of one: a temporary file in the same folder, then a rename."""
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _kill(proc: subprocess.Popen) -> None:
    """End a step and everything it started (torchrun's workers, pip's compilers): its process group."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    proc.wait()


def _tail(path: str, chars: int = LOG_TAIL) -> str:
    try:
        with open(path, errors='replace') as f:
            return f.read()[-chars:]
    except OSError:
        return ''


class Report:
    """The output folder: each stage's JSON and markdown, and ``report.md`` joining the stages."""

    def __init__(self, out: str, meta: dict) -> None:
        self.out = out
        self.meta = meta
        self.stages: Dict[int, 'Stage'] = {}
        os.makedirs(out, exist_ok=True)

    def save(self, stage: 'Stage') -> None:
        self.stages[stage.index] = stage
        write_atomic(osp.join(self.out, f'stage{stage.index}.json'),
                     json.dumps(dict(stage.record, meta=self.meta), indent=1) + '\n')
        write_atomic(osp.join(self.out, f'stage{stage.index}.md'), stage.markdown() + '\n')
        head = [f'# GPU check, {self.meta["started"]}', '',
                f'`{self.meta["command"]}`', '',
                f'{self.meta["iters"]} iterations per run (iteration time: median after {self.meta["warmup"]}), '
                'random initialisation, synthetic data. Stages: ' + ', '.join(
                    f'{i} {s.record["status"]}' for i, s in sorted(self.stages.items())) + '.']
        if self.meta.get('skip_ops'):
            head[-1] += ' Stage 2 left out (--skip-ops).'
        write_atomic(osp.join(self.out, 'report.md'),
                     '\n'.join(head + [''] + [s.markdown() + '\n' for _, s in sorted(self.stages.items())]))


@dataclass
class Step:
    """One command of a stage. ``run`` marks a training run; the other names are ``gpu`` and
    ``stack`` (the probe), ``install``, ``mmcv_ops`` and ``data``, which the rest of their stage
    needs (if one fails or runs out of time, the stage stops there), and ``latency``."""
    name: str
    cmd: List[str]
    env: Dict[str, str] = field(default_factory=dict)
    run: Optional[Run] = None


def stage_steps(args: argparse.Namespace, work_dir: str, stack: Optional[dict] = None) -> Dict[int, List[Step]]:
    """Each stage's steps, as :func:`run_stages` runs them and ``--dry-run`` prints them.

    Args:
        args (argparse.Namespace): The command line.
        work_dir (str): Runs, logs and data go here.
        stack (dict | None): Stage 0's probe, whose GPUs give stage 2 its architecture list.

    Returns:
        dict[int, list[Step]]: Stage index -> steps; a stage without models is absent, and so is
        stage 2 with ``--skip-ops``.
    """
    data_dir = osp.join(work_dir, 'data')
    # the GPU first (nothing is installed on a host without one); after an install, the stack again
    steps = {0: [Step('gpu', probe_command())] + ([] if args.no_install else [
        Step('install', install_command(args.bundle, 'lite')), Step('stack', probe_command())])}
    for index, needs_ops in ((1, False), (2, True)):
        models = [m for m in args.models if MODELS[m].needs_ops is needs_ops]
        if not models or (needs_ops and args.skip_ops):
            continue
        runs = stage_runs(models, args.paradigms, args.amps, args.dist_paradigms)
        steps[index] = [
            *([Step('mmcv_ops', ops_install_command(args.bundle, stack))] if needs_ops else []),
            Step('data', data_command(data_dir, models)),
            # a port of its own for each torchrun: no waiting for the last one's socket to be released
            *[Step(r.name, command(r.model, r.paradigm, r.amp, args.iters, data_dir, work_dir, r.launcher, args.gpus),
                   dict(PORT=str(29500 + i)) if r.launcher == 'dist' else {}, r) for i, r in enumerate(runs)],
            *([Step('latency', latency_command(args.latency_models, args.latency_rounds,
                                               osp.join(work_dir, 'latency.json')))]
              if not needs_ops and args.latency else [])]
    return steps


def ops_install_command(bundle: Optional[str], stack: Optional[dict]) -> List[str]:
    """Stage 2's build of mmcv's CUDA ops: for the visible GPUs' architectures only, with every core."""
    caps = sorted({g['capability'] for g in (stack or {}).get('gpus', [])})
    arch = ';'.join(caps) if caps else '<compute capability of the visible GPU, from stage 0>'
    return install_command(bundle, 'cuda', TORCH_CUDA_ARCH_LIST=arch, MAX_JOBS=str(cores()))


def cores() -> int:
    """The cores this process may use (its affinity, which a container may narrow)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count() or 1


class Stage:
    """One stage: runs its steps (each a command in its own process group) until its deadline,
    and has the report written after every step.

    Args:
        index (int): 0, 1 or 2.
        report (Report): Where the stage is written.
        work_dir (str): Logs go to ``work_dir/logs``.
        limit (float | None): Seconds the stage may take (None: no limit of its own).
        deadline (float | None): ``time.time()`` the whole check ends at (``--time-limit``).
        env (dict): Environment of the steps.
    """

    def __init__(self, index: int, report: Report, work_dir: str, limit: Optional[float],
                 deadline: Optional[float], env: Dict[str, str]) -> None:
        self.index, self.report, self.env = index, report, env
        self.logs = osp.join(work_dir, 'logs')
        os.makedirs(self.logs, exist_ok=True)
        self.start = time.time()
        ends = [t for t in (self.start + limit if limit else None, deadline) if t is not None]
        self.deadline = min(ends) if ends else None
        self.record: dict = dict(stage=index, title=STAGE_TITLES[index], status='running', limit_s=limit,
                                 seconds=0.0, steps=[], results=[], not_run=[])
        self.save()

    def save(self) -> None:
        self.record['seconds'] = round(time.time() - self.start, 1)
        self.report.save(self)

    def finish(self, status: str, note: Optional[str] = None) -> None:
        self.record['status'] = status
        if note:
            self.record['note'] = note
        self.save()

    def execute(self, step: Step) -> Optional[dict]:
        """Run ``step`` unless the stage is out of time; record it and save.

        Returns:
            dict | None: None if no time was left to start it, else the step's record: ``name``,
            ``command``, ``rc`` (None if it did not end by itself), ``seconds``, ``log``,
            ``log_tail`` (unless it succeeded) and ``cut`` (the deadline ended it).
        """
        left = None if self.deadline is None else self.deadline - time.time()
        if left is not None and left <= 0:
            return None
        rec = dict(name=step.name, command=shlex.join(step.cmd), rc=None, seconds=0.0,
                   log=osp.join(self.logs, f'stage{self.index}_{step.name}.log'), run=step.run is not None)
        print(f'[stage {self.index}, {time.time() - self.start:.0f}s] {step.name}: {rec["command"]}', flush=True)
        start = time.time()
        with open(rec['log'], 'w') as log:
            proc = subprocess.Popen(step.cmd, cwd=ROOT, env=dict(self.env, **step.env), stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            try:
                rec['rc'] = proc.wait(None if left is None else left)
            except subprocess.TimeoutExpired:
                _kill(proc)
                rec['cut'] = True
            except BaseException:  # Stopped, KeyboardInterrupt: take the step's processes down first
                _kill(proc)
                rec['cut'] = True
                raise
            finally:
                rec['seconds'] = round(time.time() - start, 1)
                if rec['rc'] != 0:
                    rec['log_tail'] = _tail(rec['log'])
                self.record['steps'].append(rec)
                self.save()
        return rec

    def train_result(self, run: Run, rec: dict, args: argparse.Namespace, work_dir: str) -> dict:
        """A training run's row: its measurements, or why there are none."""
        result = dict(model=run.model, paradigm=run.paradigm, amp=run.amp, launcher=run.launcher,
                      gpus=args.gpus if run.launcher == 'dist' else 1, seconds=rec['seconds'])
        try:
            if rec.get('cut'):
                raise RuntimeError(f'cut by the time limit after {rec["seconds"]:.0f} s')
            if rec['rc'] != 0:
                raise RuntimeError(f'exit {rec["rc"]}, see the log tail in stage{self.index}.json')
            result.update(parse_scalars(osp.join(work_dir, run.name), args.warmup))
        except (RuntimeError, OSError) as err:
            result['error'] = str(err)
            print(f'  failed: {err}', flush=True)
        return result

    def markdown(self) -> str:
        rec = self.record
        limit = f' of ≤ {rec["limit_s"]:.0f} s' if rec['limit_s'] else ''
        lines = [f'## Stage {self.index}: {rec["title"]} ({rec["status"]}, {rec["seconds"]:.0f} s{limit})', '']
        if rec.get('note'):
            lines += [rec['note'], '']
        if rec.get('stack'):
            lines += [stack_line(rec['stack']), '']
        for step in rec['steps']:
            if not step['run']:  # training runs are rows of the table
                state = 'cut by the time limit' if step.get('cut') else f'exit {step["rc"]}'
                lines.append(f'- {step["name"]}: {state}, {step["seconds"]:.0f} s: `{step["command"]}`')
        if rec['results']:
            order = {name: i for i, name in enumerate(MODELS)}
            shown = sorted(rec['results'], key=lambda r: (order[r['model']], r['launcher'] == 'dist', not r['amp'],
                                                          list(PARADIGMS).index(r['paradigm'])))
            walls = [r['seconds'] for r in rec['results'] if 'time' in r]
            lines += ['', table(shown), '']
            if walls:
                lines.append(f'{len(rec["results"])} runs; wall time per finished run (start-up included): median '
                             f'{statistics.median(walls):.0f} s, {min(walls):.0f}–{max(walls):.0f} s.')
        if rec['not_run']:
            lines.append(f'Not run (no time left): {", ".join(rec["not_run"])}.')
        if rec.get('latency'):
            lines += ['', 'Inference latency (benchmarks/training_cost.py, batch 1 and 32, one process each):', '',
                      rec['latency'].get('table', f'failed: {rec["latency"].get("error")}')]
        return '\n'.join(lines).rstrip()


def _read_probe(rec: dict) -> dict:
    """The probe's JSON: the last line of its output (an ``error`` if there is none)."""
    lines = _tail(rec['log'], 1 << 20).strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        return dict(error=f'the probe printed no JSON: {rec.get("log_tail") or _tail(rec["log"])}')


def probe_problem(stack: dict, gpus: int) -> Optional[str]:
    """Why the check cannot train on this host (no GPU torch sees, fewer than ``--gpus``), or None."""
    if stack.get('error'):
        return f'stage 0 could not read the host: {stack["error"]}'
    if not stack.get('cuda_available') or not stack.get('gpus'):
        return (f'gpu_check needs a CUDA GPU, and torch {stack.get("torch")} (CUDA {stack.get("torch_cuda")}) sees '
                'none. Run it on a GPU machine (see docs/benchmarks.md, "GPU check"); --dry-run prints the commands.')
    if gpus > len(stack['gpus']):
        return f'--gpus {gpus}, but torch sees {len(stack["gpus"])} GPU(s).'
    return None


def run_stages(args: argparse.Namespace, report: Report, work_dir: str, deadline: Optional[float]) -> int:
    """Stages 0, 1 and 2 (see the module docstring), each stage's files written after every step.

    Returns:
        int: 0 if every step that ran succeeded (runs left out for lack of time are no failure),
        1 if one failed, 2 without a usable GPU, 143 if stopped by SIGTERM.
    """
    env = dict(os.environ, PYTHON=sys.executable,  # install.sh's and dist_train.sh's interpreter
               PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get('PYTHONPATH')])))
    limits = dict(enumerate(args.stage_limits))
    failed, stack = False, None
    steps = stage_steps(args, work_dir)
    stage = None
    try:
        for index in (0, 1, 2):
            if index not in steps:
                continue
            stage = Stage(index, report, work_dir, limits.get(index) or None, deadline, env)
            for i, step in enumerate(steps[index]):
                rec = stage.execute(step)
                if rec is None:  # out of time: the rest of the stage is not run
                    stage.record['not_run'] = [s.name for s in steps[index][i:]]
                    break
                if step.run:
                    stage.record['results'].append(stage.train_result(step.run, rec, args, work_dir))
                    failed |= 'error' in stage.record['results'][-1] and not rec.get('cut')
                elif step.name == 'latency':
                    stage.record['latency'] = (dict(table=latency_table(step.cmd[-1])) if rec['rc'] == 0 else
                                               dict(error=f'exit {rec["rc"]}, see the latency step in stage1.json'))
                    failed |= rec['rc'] != 0 and not rec.get('cut')
                elif rec['rc'] != 0:  # gpu, install, stack, mmcv_ops, data: the rest of the stage needs it
                    stage.record['not_run'] = [s.name for s in steps[index][i + 1:]]
                    why = 'cut by the time limit' if rec.get('cut') else f'exit {rec["rc"]}'
                    stage.finish('cut' if rec.get('cut') else 'failed',
                                 f'{step.name} did not finish ({why}); see its log tail in stage{index}.json.')
                    if index == 0:
                        return 1
                    failed |= not rec.get('cut')
                    break
                elif step.name in ('gpu', 'stack'):
                    stack = stage.record['stack'] = _read_probe(rec)
                    problem = probe_problem(stack, args.gpus)
                    if problem:
                        stage.finish('failed', problem)
                        print(problem, file=sys.stderr)
                        return 2
                    # stage 2 builds for the GPU found
                    steps.update((k, v) for k, v in stage_steps(args, work_dir, stack).items() if k != 0)
                stage.save()
            if stage.record['status'] == 'running':  # not ended by a failed prerequisite
                out_of_time = stage.record['not_run'] or any(r.get('cut') for r in stage.record['steps'])
                stage.finish('cut' if out_of_time else 'done')
            if index == 0:
                if stage.record['status'] != 'done':  # the later stages need the install
                    return 1
                print(stack_line(stack), flush=True)
    except Stopped:
        if stage is not None:
            stage.finish('stopped', 'stopped by SIGTERM (a time limit outside the check): the steps above had finished.')
        return 128 + signal.SIGTERM
    return 1 if failed else 0


# -- --plan ------------------------------------------------------------------------------------------
def plan(args: argparse.Namespace) -> str:
    """The one command for a bare GPU machine, what it carries, the stages' expected times and
    where the results land (the times are estimates until a GPU run measures them)."""
    bundle_tool = _load_tool('make_offline_bundle')
    mib = bundle_tool.MIB
    bundle = args.bundle or 'offline_bundle'
    folder = bundle if osp.isabs(bundle) else osp.join(ROOT, bundle)
    if osp.isfile(osp.join(folder, 'bundle.json')):
        with open(osp.join(folder, 'bundle.json')) as f:
            manifest = json.load(f)
        size, where = bundle_tool.folder_bytes(folder), f'{bundle}/ (here)'
    else:
        with open(MEASURED_BUNDLE) as f:
            manifest = json.load(f)
        # the folder also holds requirements.txt and bundle.json (a few KiB)
        size = manifest['total_bytes'] + osp.getsize(MEASURED_BUNDLE) + 4096
        where = (f'{bundle}/: not made here yet (python3 tools/make_offline_bundle.py {bundle}, on a machine with '
                 f'network); its size as last made, {manifest["created_utc"][:10]}:')
    tree = bundle_tool.tree_bytes(ROOT)
    total = size + tree
    fits = 'fits' if total <= bundle_tool.CARRY_LIMIT_MIB * mib else 'DOES NOT FIT'
    time_limit = args.time_limit or DEVICE_TIME_LIMIT
    cmd = ['python3', 'benchmarks/gpu_check.py', '--bundle', bundle, '--out', '$OUT', '--time-limit', str(time_limit)]
    cmd += ['--skip-ops'] if args.skip_ops else []
    stage1 = [m for m in args.models if not MODELS[m].needs_ops]
    stage2 = [m for m in args.models if MODELS[m].needs_ops]
    n1 = len(stage_runs(stage1, args.paradigms, args.amps, args.dist_paradigms))
    n2 = len(stage_runs(stage2, args.paradigms, args.amps, args.dist_paradigms))
    s0, s1 = (list(args.stage_limits) + [0, 0])[:2]
    rest = time_limit - s0 - s1
    files = ['stage0.json', 'stage0.md', 'stage1.json', 'stage1.md'] + (
        [] if args.skip_ops or not stage2 else ['stage2.json', 'stage2.md']) + ['report.md']
    return '\n'.join([
        'GPU check on a bare GPU machine (e.g. the device machine: Python 3.12, torch 2.11 + CUDA 13.0 and its nvcc,',
        '16 cores, no network), one command of about ten minutes.',
        '',
        'Carry (ignored by git, so name it in the run\'s carry list; the working tree travels anyway):',
        f'  {where}',
        f'  {manifest["python"]} wheels resolved against torch {manifest["torch"]}: {len(manifest["files"])} files, '
        f'{size / mib:.1f} MiB; + working tree {tree / mib:.1f} MiB = {total / mib:.1f} MiB of the '
        f'{bundle_tool.CARRY_LIMIT_MIB} MiB a run carries ({fits}).',
        '',
        'Command (from the repository root; give the run 600 s):',
        f'  {" ".join(shlex.quote(c) if c != "$OUT" else chr(34) + c + chr(34) for c in cmd)}',
        '',
        'Stages (estimates: never run on a GPU yet; each stage\'s JSON gives the real times):',
        f'  0  ≤ {s0 / 60:g} min  install from the bundle with mmcv built without ops (~1 min: pip from the bundle, '
        'the mmcv build took 5.5 s on a 2-core CPU), check torch sees the GPU, the stack\'s versions',
        f'  1  ≤ {s1 / 60:g} min  {", ".join(stage1)}: {n1} runs of {args.iters} iterations, ~10-15 s each with '
        'start-up, so most of them; those that do not fit are listed as not run',
        *([] if args.skip_ops or not stage2 else [
            f'  2  the rest (≥ {rest / 60:.1f} min)  mmcv\'s CUDA ops for the GPU\'s architecture, MAX_JOBS = all cores '
            f'(~3-6 min), then {", ".join(stage2)}: {n2} runs (~25 s each) as far as the time goes']),
        '',
        f'Results: $OUT/{", ".join(files)} (flat; rewritten after every step, so a cut run returns what it '
        'measured). Logs and runs stay in work_dirs/gpu_check/.',
    ])


# -- command line ------------------------------------------------------------------------------------
def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--models', nargs='+', choices=list(MODELS), default=list(MODELS))
    parser.add_argument('--paradigms', nargs='+', choices=list(PARADIGMS), default=list(PARADIGMS))
    parser.add_argument('--dist-paradigms', nargs='*', choices=list(PARADIGMS), default=['protuning', 'full'],
                        help='paradigms also run through tools/dist_train.sh (default: protuning full; none: no such run)')
    parser.add_argument('--iters', type=int, default=20, help='training iterations per run (default: 20)')
    parser.add_argument('--warmup', type=int, default=5, help='first iterations left out of the timing (default: 5)')
    parser.add_argument('--gpus', type=int, default=1, help='processes of the tools/dist_train.sh runs (default: 1)')
    parser.add_argument('--amp', choices=('both', 'on', 'off'), default='both')
    parser.add_argument('--bundle', help='install offline from this folder (tools/make_offline_bundle.py)')
    parser.add_argument('--no-install', action='store_true', help='use the stack as installed (stage 0 only checks)')
    parser.add_argument('--skip-ops', action='store_true', help="leave stage 2 out: no mmcv ops build, no detectors")
    parser.add_argument('--time-limit', type=float, default=0,
                        help='seconds for the whole check; the last stage gets what is left (default: 0, none)')
    parser.add_argument('--stage-limits', type=float, nargs=2, default=[120, 240], metavar=('S0', 'S1'),
                        help='seconds for stages 0 and 1 (0: none; default: 120 240)')
    parser.add_argument('--work-dir', default='work_dirs/gpu_check', help='runs, logs and synthetic data go here')
    parser.add_argument('--out', default='work_dirs/gpu_check/result',
                        help='folder of the results: stage<N>.json/.md and report.md (default: work_dirs/gpu_check/result)')
    parser.add_argument('--latency', action='store_true',
                        help='stage 1 also times inference, eager and compiled, with benchmarks/training_cost.py')
    parser.add_argument('--latency-models', nargs='+', default=['resnet50', 'swin-s'], choices=LATENCY_MODELS,
                        help='models for --latency (default: resnet50 swin-s)')
    parser.add_argument('--latency-rounds', type=int, default=20, help='timed passes per variant (default: 20)')
    parser.add_argument('--dry-run', action='store_true', help='print the commands of each stage and exit')
    parser.add_argument('--plan', action='store_true',
                        help='print the one command for a bare GPU machine, what it carries and the stages, and exit')
    parser.add_argument('--probe', action='store_true', help=argparse.SUPPRESS)  # stage 0's step: JSON on stdout
    parser.add_argument('--make-data', metavar='DIR', help=argparse.SUPPRESS)  # stages 1 and 2: the data of --models
    args = parser.parse_args(argv)
    if args.iters <= args.warmup:
        parser.error(f'--iters {args.iters} must be larger than --warmup {args.warmup}')
    if args.bundle and args.no_install:
        parser.error('--bundle installs from the bundle, --no-install installs nothing: give one of them')
    args.amps = {'both': (False, True), 'on': (True, ), 'off': (False, )}[args.amp]
    if args.probe:
        print(json.dumps(probe()))
        return 0
    if args.make_data:
        make_data(args.make_data, args.models)
        return 0
    if args.plan:
        print(plan(args))
        return 0
    work_dir = osp.abspath(args.work_dir)
    if args.dry_run:
        for index, steps in stage_steps(args, work_dir).items():
            print(f'# stage {index}: {STAGE_TITLES[index]}')
            print('\n'.join(shlex.join(s.cmd) for s in steps))
        return 0

    start = time.time()
    report = Report(osp.abspath(args.out), dict(
        started=datetime.datetime.now().isoformat(timespec='seconds'),
        command=shlex.join(['python3', 'benchmarks/gpu_check.py', *(sys.argv[1:] if argv is None else argv)]),
        iters=args.iters, warmup=args.warmup, time_limit=args.time_limit, stage_limits=args.stage_limits,
        skip_ops=args.skip_ops))

    def stop(signum, frame):
        raise Stopped()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        status = run_stages(args, report, work_dir, start + args.time_limit if args.time_limit else None)
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(f'[{time.time() - start:.0f}s] results in {report.out}: ' + ', '.join(sorted(os.listdir(report.out))))
    report_md = osp.join(report.out, 'report.md')
    if osp.isfile(report_md):
        with open(report_md) as f:
            print(f.read())
    return status


if __name__ == '__main__':
    sys.exit(main())
