"""What Pro-tuning costs: training step time, peak memory and inference overhead, side by side.

For each model (the repository's own configs, no pre-trained weights loaded) and each paradigm
(``head``, ``protuning``, ``protuning`` + ``with_cp`` activation checkpointing, ``full``) this
measures, on this machine and in one run:

* trainable parameters;
* training step time: one real ``model.train_step`` (data preprocessor, forward, losses, backward,
  optimizer step) on random data; the paradigms of one model are built in one process and stepped
  in turn (round-robin), so that load from other jobs hits them alike; median over the rounds;
* peak training memory: each (model, paradigm) in a fresh subprocess. On a GPU,
  ``torch.cuda.max_memory_allocated``; on CPU, the process's peak resident set size
  (``ru_maxrss``) minus its resident size just before the model is built, i.e. weights +
  gradients + optimizer state + activations + allocator overhead;
* inference: latency (batch 1, ``torch.no_grad``, eval mode; the model with prompt blocks and the
  same model with the plain backbone, alternated) and FLOPs (``mmengine.analysis``).

It prints one markdown table with ratios against full fine-tuning and against the plain backbone.
Never a test: timings depend on the machine.

Usage:
    python benchmarks/training_cost.py [--models resnet50 swin-s deit-s upernet-r50]
                                       [--rounds 3] [--infer-rounds 10] [--threads N] [--json OUT]
    python benchmarks/training_cost.py --from-json OUT1 OUT2 ...   # one table from several runs
"""
import argparse
import copy
import json
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time
from typing import Dict, List

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

# name -> (config holding the model, scope, input size, batch size, optimizer)
MODELS = {
    'resnet50': ('configs/classification/_base_/models/resnet50_protuning.py', 'mmpretrain', 224, 8,
                 dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)),
    'swin-s': ('configs/classification/_base_/models/swin-small_protuning.py', 'mmpretrain', 224, 8,
               dict(type='AdamW', lr=1e-4, weight_decay=0.05)),
    'deit-s': ('configs/classification/_base_/models/deit-small_protuning.py', 'mmpretrain', 224, 8,
               dict(type='AdamW', lr=1e-4, weight_decay=0.05)),
    'upernet-r50': ('configs/upernet_r50_protuning_ade20k.py', 'mmseg', 512, 2,
                    dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4)),
}
# label -> (ProTuningBackbone paradigm, with_cp)
PARADIGMS = {
    'head': ('head', False),
    'protuning': ('protuning', False),
    'protuning + cp': ('protuning', True),
    'full': ('full', False),
}


# -- building ------------------------------------------------------------------------------------
def model_cfg(name: str, paradigm: str = 'protuning', with_cp: bool = False, plain: bool = False):
    """The model config of ``name`` with the paradigm applied and no pre-trained weights."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, MODELS[name][0]))
    model = copy.deepcopy(cfg.model)
    wrapper = model.backbone
    assert wrapper.type == 'ProTuningBackbone', f'{name}: expected a ProTuningBackbone config'
    inner = wrapper.backbone
    inner.pop('init_cfg', None)  # random weights: this measures cost, not accuracy
    inner.pop('pretrained', None)
    model.pop('pretrained', None)
    if plain:
        model.backbone = inner
    else:
        wrapper.update(paradigm=paradigm, with_cp=with_cp)
    return model


def build(name: str, paradigm: str = 'protuning', with_cp: bool = False, plain: bool = False):
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import MODELS as REGISTRY, init_default_scope

    import protuning_mm  # noqa: F401  (registers ProTuningBackbone)
    init_default_scope(MODELS[name][1])
    model = REGISTRY.build(model_cfg(name, paradigm, with_cp, plain))
    model.init_weights()
    # Single process: SyncBN (mmseg configs) would fail outside DDP; the Runner reverts it too.
    return revert_sync_batchnorm(model).to(device())


def device() -> str:
    import torch
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def optim_wrapper(name: str, model):
    from mmengine.optim import build_optim_wrapper
    return build_optim_wrapper(model, dict(optimizer=copy.deepcopy(MODELS[name][4])))


def batch(name: str, size: int, n: int, seed: int = 0) -> dict:
    """A batch in the format the model's data preprocessor takes (what a dataloader yields)."""
    import torch
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, (3, size, size), dtype=torch.uint8, generator=g) for _ in range(n)]
    if MODELS[name][1] == 'mmseg':
        from mmengine.structures import PixelData
        from mmseg.structures import SegDataSample
        samples = []
        for _ in range(n):
            s = SegDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size), pad_shape=(size, size)))
            s.gt_sem_seg = PixelData(data=torch.randint(0, 150, (1, size, size), generator=g))
            samples.append(s)
    else:
        from mmpretrain.structures import DataSample
        samples = [DataSample().set_gt_label(int(torch.randint(0, 100, (1, ), generator=g))) for _ in range(n)]
    return dict(inputs=inputs, data_samples=samples)


def sync() -> None:
    import torch
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def train_step(model, optim, data) -> float:
    sync()
    start = time.perf_counter()
    model.train_step(data, optim)
    sync()
    return time.perf_counter() - start


def trainable(model) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# -- workers (each runs in a fresh subprocess) ---------------------------------------------------
def rss_bytes() -> int:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def worker_memory(name: str, label: str, steps: int) -> dict:
    """Peak training memory of one (model, paradigm), measured from a fresh process."""
    import torch
    _, size, n = MODELS[name][1:4]
    data = batch(name, size, n)
    # Import everything building will need first: the baseline excludes code, only model memory counts.
    import mmpretrain.models  # noqa: F401
    from mmengine.optim import build_optim_wrapper  # noqa: F401

    import protuning_mm  # noqa: F401
    if MODELS[name][1] == 'mmseg':
        import mmseg.models  # noqa: F401
    base = rss_bytes()
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    paradigm, with_cp = PARADIGMS[label]
    model = build(name, paradigm, with_cp)
    optim = optim_wrapper(name, model)
    for _ in range(steps):
        train_step(model, optim, data)
    if torch.cuda.is_available():
        peak, how = torch.cuda.max_memory_allocated(), 'cuda_max_allocated'
    else:
        peak, how = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base, 'peak_rss_delta'
    return dict(peak=peak, how=how, trainable=trainable(model),
                total=sum(p.numel() for p in model.parameters()))


def worker_time(name: str, rounds: int, infer_rounds: int) -> dict:
    """Training step time of every paradigm (round-robin) and inference of plain vs prompted."""
    import torch
    from mmengine.analysis import get_model_complexity_info
    _, size, n = MODELS[name][1:4]
    data = batch(name, size, n)
    runs = {}
    for label, (paradigm, with_cp) in PARADIGMS.items():
        model = build(name, paradigm, with_cp)
        runs[label] = (model, optim_wrapper(name, model), [])
    for r in range(rounds + 1):  # round 0 warms up (allocations, oneDNN/cuDNN kernel selection)
        for model, optim, times in runs.values():
            t = train_step(model, optim, data)
            if r:
                times.append(t)
    step = {label: statistics.median(times) for label, (_, _, times) in runs.items()}
    del runs

    infer = {'plain': build(name, plain=True).eval(), 'protuning': build(name, 'protuning').eval()}
    x = torch.rand(1, 3, size, size, device=device())
    latency = {k: [] for k in infer}
    with torch.no_grad():
        for r in range(infer_rounds + 1):
            for key, model in infer.items():
                sync()
                start = time.perf_counter()
                model(x)  # mode='tensor': backbone + neck + head, no post-processing
                sync()
                if r:
                    latency[key].append(time.perf_counter() - start)
        flops = {k: get_model_complexity_info(m, inputs=(x, ), show_table=False, show_arch=False)['flops']
                 for k, m in infer.items()}
    return dict(step=step, latency={k: statistics.median(v) for k, v in latency.items()}, flops=flops)


def run_worker(args: List[str], threads: int) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get('PYTHONPATH')])),
               OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    # On a CPU shared with other jobs, OpenMP threads that spin while waiting for a descheduled
    # sibling made steps 5-20x slower here; passive waiting measures the model, not the contention.
    env.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
    if args[0] == 'memory':
        # A fixed mmap threshold stops glibc from raising it after large frees, so every tensor
        # above 64 KiB lives in its own mapping and is returned to the OS when freed: the peak RSS
        # then tracks live tensors instead of the heap's high-water mark.
        env.setdefault('MALLOC_MMAP_THRESHOLD_', str(64 * 1024))
    proc = subprocess.run([sys.executable, osp.abspath(__file__), '--worker', *args], env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f'worker {args} failed:\n{proc.stderr[-4000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- report --------------------------------------------------------------------------------------
def fmt_m(n: float) -> str:
    return f'{n / 1e6:.2f}M'


def table(results: Dict[str, dict]) -> str:
    rows = ['| model (input, batch) | paradigm | trainable | train step | × full | peak memory | × full |',
            '| --- | --- | --- | --- | --- | --- | --- |']
    infer_rows = ['| model | FLOPs plain → Pro-tuned | × plain | latency plain → Pro-tuned (batch 1) | × plain |',
                  '| --- | --- | --- | --- | --- |']
    for name, res in results.items():
        _, size, n = MODELS[name][1:4]
        full_t, full_m = res['time']['step']['full'], res['memory']['full']['peak']
        for label in PARADIGMS:
            t, m = res['time']['step'][label], res['memory'][label]
            rows.append(f'| {name} ({size}², {n}) | {label} | {fmt_m(m["trainable"])} | {t:.2f} s | '
                        f'{t / full_t:.2f} | {m["peak"] / 2**20:,.0f} MiB | {m["peak"] / full_m:.2f} |')
        fl, lat = res['time']['flops'], res['time']['latency']
        infer_rows.append(f'| {name} | {fl["plain"] / 1e9:.2f} → {fl["protuning"] / 1e9:.2f} G | '
                          f'{fl["protuning"] / fl["plain"]:.3f} | {lat["plain"] * 1e3:.0f} → '
                          f'{lat["protuning"] * 1e3:.0f} ms | {lat["protuning"] / lat["plain"]:.3f} |')
    return '\n'.join(rows) + '\n\n' + '\n'.join(infer_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', choices=list(MODELS), default=list(MODELS))
    parser.add_argument('--rounds', type=int, default=3, help='timed training steps per paradigm')
    parser.add_argument('--infer-rounds', type=int, default=10, help='timed inference passes per variant')
    parser.add_argument('--memory-steps', type=int, default=2, help='training steps per memory measurement')
    parser.add_argument('--threads', type=int, default=os.cpu_count(), help='CPU threads per worker')
    parser.add_argument('--json', help='also write the raw results to this file')
    parser.add_argument('--from-json', nargs='+', metavar='FILE',
                        help='print the table from results saved with --json (one or more runs)')
    parser.add_argument('--worker', nargs='+', help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        import torch
        torch.set_num_threads(args.threads)
        kind, name, *rest = args.worker
        if kind == 'memory':
            out = worker_memory(name, rest[0], args.memory_steps)
        else:
            out = worker_time(name, args.rounds, args.infer_rounds)
        print(json.dumps(out))
        return

    import torch
    results = {}
    if args.from_json:
        for path in args.from_json:
            with open(path) as f:
                results.update(json.load(f))
        args.models = []
    for name in args.models:
        res = results[name] = dict(memory={})
        for label in PARADIGMS:
            res['memory'][label] = run_worker(['memory', name, label, '--memory-steps', str(args.memory_steps),
                                               '--threads', str(args.threads)], args.threads)
            print(f'{name} {label}: {res["memory"][label]}', file=sys.stderr, flush=True)
        res['time'] = run_worker(['time', name, '--rounds', str(args.rounds), '--infer-rounds',
                                  str(args.infer_rounds), '--threads', str(args.threads)], args.threads)
        print(f'{name} time: {res["time"]}', file=sys.stderr, flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)
    if not args.from_json:
        dev = torch.cuda.get_device_name() if torch.cuda.is_available() else f'CPU, {args.threads} threads'
        how = next(iter(results.values()))['memory']['full']['how']
        print(f'Device: {dev}; torch {torch.__version__}; {args.rounds} timed training steps (median, after '
              f'one warm-up), {args.infer_rounds} inference passes; peak memory = {how}.\n')
    print(table(results))


if __name__ == '__main__':
    main()
