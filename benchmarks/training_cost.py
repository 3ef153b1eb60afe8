"""What Pro-tuning costs: training step time, peak memory and inference overhead, side by side.

For each model (the repository's own configs, no pre-trained weights loaded) and each paradigm
(``head``, ``protuning``, ``memory mode`` = ``protuning`` with ``with_cp`` and, where the model has a
memory-mode config, its heads' ``activation_checkpointing``; ``full``) this measures, on this
machine and in one run:

* trainable parameters;
* training step time: one real ``model.train_step`` (data preprocessor, forward, losses, backward,
  optimizer step) on random data (detectors: generated COCO-like images through the config's training
  pipeline); the paradigms of one model are built in one process and stepped in turn (round-robin),
  so that load from other jobs hits them alike; median over the rounds;
* peak training memory: each (model, paradigm) in a fresh subprocess. On a GPU,
  ``torch.cuda.max_memory_allocated``; on CPU, the process's peak resident set size
  (``ru_maxrss``) minus its resident size just before the model is built, i.e. weights +
  gradients + optimizer state + activations + allocator overhead;
* inference: latency per batch size (``torch.no_grad``, eval mode; the same model with the plain
  backbone, with prompt blocks, and the
  whole model compiled for inference (``torch.compile`` with inductor's ``freezing``), plain and
  Pro-tuned, and with ``--aot`` both exported and compiled ahead of time by AOTInductor (no Python,
  no guards: what a deployment runs), alternated; the fastest of the rounds; ``--infer-repeats``
  fresh processes per batch size, whose ratios the table gives as median and range; also the pages
  faulted in per pass, in the JSON), and FLOPs (``mmengine.analysis``). The
  prompts' last convolutions get small random weights first (a trained model's; at initialisation
  they are zero).

It prints markdown tables with ratios against full fine-tuning and against the plain backbone;
``--docs`` also writes them, with machine, threads and date, into docs/benchmarks.md (between
marker comments), and ``--plot`` draws step time and peak memory per paradigm as bars (PNG).
Never a test: timings depend on the machine.

Every paradigm's model is initialised from the same seed, and its steps seeded alike, so that a
detector's proposals (and the work of its RoI heads) are the same for all of them.

Usage:
    python benchmarks/training_cost.py [--models resnet50 swin-s deit-s upernet-r50 fcn-r50 htc-r50]
                                       [--rounds 3] [--infer-rounds 10] [--infer-batches 1 32]
                                       [--threads N] [--omp-wait-policy PASSIVE] [--malloc heap] [--aot]
                                       [--json OUT]
                                       [--docs] [--plot PNG]
    python benchmarks/training_cost.py --from-json OUT1 OUT2 ... [--docs] [--plot PNG]
"""
import argparse
import copy
import datetime
import json
import os
import os.path as osp
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

# name -> (config holding the model, scope, input size (square side, or as shown), batch size, optimizer)
MODELS = {
    'resnet50': ('configs/classification/_base_/models/resnet50_protuning.py', 'mmpretrain', 224, 8,
                 dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)),
    'swin-s': ('configs/classification/_base_/models/swin-small_protuning.py', 'mmpretrain', 224, 8,
               dict(type='AdamW', lr=1e-4, weight_decay=0.05)),
    'deit-s': ('configs/classification/_base_/models/deit-small_protuning.py', 'mmpretrain', 224, 8,
               dict(type='AdamW', lr=1e-4, weight_decay=0.05)),
    'upernet-r50': ('configs/upernet_r50_protuning_ade20k.py', 'mmseg', 512, 2,
                    dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4)),
    'fcn-r50': ('configs/fcn_r50-d8_protuning_ade20k.py', 'mmseg', 512, 2,
                dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4)),
    # COCO-like 640x480 images through the config's own training pipeline: Resize (1333, 800) with kept ratio.
    'htc-r50': ('configs/htc_r50_protuning_coco.py', 'mmdet', '1067×800', 2,
                dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4)),
}
# name -> config whose `activation_checkpointing` the memory mode applies to the trained heads
MEMORY_MODE_CONFIGS = {
    'upernet-r50': 'configs/segmentation/upernet/upernet_r50_protuning-memory_80k_ade20k-512x512.py',
    'fcn-r50': 'configs/segmentation/fcn/fcn_r50-d8_protuning-memory_80k_ade20k-512x512.py',
    'htc-r50': 'configs/detection/htc/htc_r50_fpn_protuning-memory_1x_coco.py',
}
# inference variant -> the variant its latency ratio is taken against (else the plain model)
RATIO_BASE = {'whole compiled': 'plain compiled', 'aot': 'plain aot'}
# label -> (ProTuningBackbone paradigm, memory mode)
PARADIGMS = {
    'head': ('head', False),
    'protuning': ('protuning', False),
    'memory mode': ('protuning', True),
    'full': ('full', False),
}
DOCS_BEGIN, DOCS_END = '<!-- training_cost:begin -->', '<!-- training_cost:end -->'


# -- building ------------------------------------------------------------------------------------
def model_cfg(name: str, paradigm: str = 'protuning', with_cp: bool = False, plain: bool = False):
    """The model config of ``name`` with the paradigm applied and no pre-trained weights."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, MODELS[name][0]))
    model = copy.deepcopy(cfg.model)
    if MODELS[name][1] == 'mmpretrain' and 'num_classes' not in model.head:
        # The classification bases leave it to their dataset leaves; cost is measured with ImageNet's head.
        model.head.num_classes = 1000
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


def memory_mode_regions(name: str) -> List[str]:
    """The heads' ``activation_checkpointing`` of the model's memory-mode config (none if it has none)."""
    if name not in MEMORY_MODE_CONFIGS:
        return []
    from mmengine.config import Config
    return list(Config.fromfile(osp.join(ROOT, MEMORY_MODE_CONFIGS[name])).activation_checkpointing)


def build(name: str, paradigm: str = 'protuning', memory_mode: bool = False, plain: bool = False):
    import torch
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import MODELS as REGISTRY, init_default_scope

    from protuning_mm.models import turn_on_activation_checkpointing
    init_default_scope(MODELS[name][1])
    model = REGISTRY.build(model_cfg(name, paradigm, memory_mode, plain))
    # Same seed before every paradigm's init: its trained heads start from the same weights (a
    # detector's proposals, and so its RoI heads' work, depend on them).
    torch.manual_seed(0)
    model.init_weights()
    regions = memory_mode_regions(name) if memory_mode else []
    if regions:  # what ProTuningRunner does with the config key
        turn_on_activation_checkpointing(model, regions)
    # Single process: SyncBN (mmseg configs) would fail outside DDP; the Runner reverts it too.
    model = revert_sync_batchnorm(model).to(device())
    if os.environ.get('TRAINING_COST_CHANNELS_LAST') == '1':  # what channels_last=True in a config does
        model = model.to(memory_format=torch.channels_last)
    return model


def device() -> str:
    import torch
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def optim_wrapper(name: str, model):
    from mmengine.optim import build_optim_wrapper
    return build_optim_wrapper(model, dict(optimizer=copy.deepcopy(MODELS[name][4])))


def batch(name: str, size: int, n: int, seed: int = 0) -> dict:
    """A batch in the format the model's data preprocessor takes (what a dataloader yields)."""
    import torch
    if MODELS[name][1] == 'mmdet':
        return detection_batch(name, n, seed)
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


def detection_batch(name: str, n: int, seed: int = 0) -> dict:
    """``n`` generated COCO-like 640x480 images with boxes, masks and semantic maps, through the config's
    own training pipeline (:func:`protuning_mm.testing.make_coco` writes them to a temporary folder)."""
    import tempfile
    from pathlib import Path

    import numpy as np
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DATASETS, init_default_scope

    from protuning_mm.testing import make_coco
    init_default_scope('mmdet')
    import mmdet.datasets  # noqa: F401
    cfg = Config.fromfile(osp.join(ROOT, MODELS[name][0])).train_dataloader.dataset
    np.random.seed(seed)  # the pipeline's RandomFlip: the same batch in every worker
    with tempfile.TemporaryDirectory() as root:
        make_coco(Path(root), num_train=n, num_val=1, size=(640, 480), seed=seed)
        cfg.data_root = root
        dataset = DATASETS.build(cfg)
        return pseudo_collate([dataset[i] for i in range(n)])


def sync() -> None:
    import torch
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def timed(fn, *args) -> float:
    sync()
    start = time.perf_counter()
    fn(*args)
    sync()
    return time.perf_counter() - start


def trainable(model) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# -- workers (each runs in a fresh subprocess) ---------------------------------------------------
def rss_bytes() -> int:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def minor_faults() -> int:
    """Pages this process has faulted in so far (fresh memory the allocator mapped, first touched)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def import_codebases(name: str) -> None:
    import mmpretrain.models  # noqa: F401
    from mmengine.optim import build_optim_wrapper  # noqa: F401

    import protuning_mm  # noqa: F401
    if MODELS[name][1] == 'mmseg':
        import mmseg.models  # noqa: F401
    if MODELS[name][1] == 'mmdet':
        import mmdet.models  # noqa: F401


def worker_memory(name: str, label: str, steps: int) -> dict:
    """Peak training memory of one (model, paradigm), measured from a fresh process."""
    import torch
    _, size, n = MODELS[name][1:4]
    data = batch(name, size, n)
    import_codebases(name)  # first: the baseline excludes code, only model memory counts
    base = rss_bytes()
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    paradigm, memory_mode = PARADIGMS[label]
    model = build(name, paradigm, memory_mode).train()  # what the train loop does first
    optim = optim_wrapper(name, model)
    for step in range(steps):
        torch.manual_seed(step)  # the same RoI sampling as the other paradigms' workers
        model.train_step(data, optim)
    if torch.cuda.is_available():
        peak, how = torch.cuda.max_memory_allocated(), 'cuda_max_allocated'
    else:
        peak, how = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base, 'peak_rss_delta'
    return dict(peak=peak, how=how, trainable=trainable(model),
                total=sum(p.numel() for p in model.parameters()))


def worker_time(name: str, rounds: int) -> dict:
    """Training step time of every paradigm, stepped round-robin so that other load hits them alike."""
    import torch
    import_codebases(name)
    _, size, n = MODELS[name][1:4]
    data = batch(name, size, n)
    runs = {}
    for label, (paradigm, memory_mode) in PARADIGMS.items():
        # .train() as mmengine's train loop calls it: the frozen backbone's BatchNorm then runs in
        # eval mode (the wrapper's train()); without it every BN would use batch statistics.
        model = build(name, paradigm, memory_mode).train()
        runs[label] = (model, optim_wrapper(name, model), [])
    for r in range(rounds + 1):  # round 0 warms up (allocations, oneDNN/cuDNN kernel selection)
        for model, optim, times in runs.values():
            torch.manual_seed(r)  # every paradigm samples the same RoIs in a round
            t = timed(model.train_step, data, optim)
            if r:
                times.append(t)
    return dict(step={label: statistics.median(times) for label, (_, _, times) in runs.items()})


def as_trained(model) -> None:
    """Small random weights in the prompts' zero-initialised last convolutions (the same for every call)."""
    import torch

    from protuning_mm.models import PromptBlock
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for block in (m for m in model.modules() if isinstance(m, PromptBlock)):
            block.conv2.weight.copy_(torch.randn(block.conv2.weight.shape, generator=g) * 0.02)


def aot_compiled(model, x) -> Callable:
    """``model`` exported for ``x`` (without autograd) and compiled ahead of time by AOTInductor with
    freezing, loaded back: a callable that runs the generated code with no Python model and no guards."""
    import tempfile

    import torch
    # Both under no_grad: inductor freezes only a graph compiled without autograd (compiled with it, the
    # weights stay graph inputs and the code ran no faster than eager here: 33 against 21 ms at batch 1).
    with torch.no_grad(), torch._inductor.config.patch(freezing=True), tempfile.TemporaryDirectory() as tmp:
        program = torch.export.export(model, (x, ))
        package = torch._inductor.aoti_compile_and_package(program, package_path=osp.join(tmp, 'model.pt2'))
        return torch._inductor.aoti_load_package(package)


def worker_infer(name: str, n: int, rounds: int, with_compiled: bool, with_aot: bool = False) -> dict:
    """Inference of the plain backbone, the prompted one and (optionally) the whole model compiled, plain
    and prompted, and the two compiled ahead of time, alternated."""
    import torch
    from mmengine.analysis import get_model_complexity_info
    import_codebases(name)
    size = MODELS[name][2]
    variants = {'plain': build(name, plain=True).eval(), 'protuning': build(name, 'protuning').eval()}
    as_trained(variants['protuning'])
    if with_compiled:
        variants['plain compiled'] = torch.compile(variants['plain'])
        variants['whole compiled'] = torch.compile(variants['protuning'])
    x = torch.rand(n, 3, size, size, device=device())
    if os.environ.get('TRAINING_COST_CHANNELS_LAST') == '1':
        x = x.contiguous(memory_format=torch.channels_last)
    compile_s = {}
    if with_aot:
        for key, base in (('plain aot', 'plain'), ('aot', 'protuning')):
            start = time.perf_counter()
            variants[key] = aot_compiled(variants[base], x)
            compile_s[key] = time.perf_counter() - start
            with torch.no_grad():  # what is timed must compute what the eager model does
                torch.testing.assert_close(variants[key](x), variants[base](x), rtol=1e-4, atol=1e-4)
    latency = {k: [] for k in variants}
    faults = {k: [] for k in variants}  # pages faulted in per pass (fresh memory the allocator mapped)
    with torch.no_grad():
        for key in ('plain compiled', 'whole compiled') if with_compiled else ():
            # The whole model with inductor's freezing (weights folded in as constants: convolutions on
            # prepacked weights, fused with their BatchNorm, activation and residual add). Without it,
            # inductor on CPU was slower than eager (42 vs 33 ms at batch 1). Dynamo reads the global flag
            # while the first call traces, before torch.compile's options reach inductor, so
            # options=dict(freezing=True) leaves the weights as graph inputs (44 vs 21 ms here).
            with torch._inductor.config.patch(freezing=True):
                compile_s[key] = timed(variants[key], x)  # compiles here
        for r in range(rounds + 1):
            for key, model in variants.items():
                before = minor_faults()
                t = timed(model, x)  # mode='tensor': backbone + neck + head, no post-processing
                if r:
                    latency[key].append(t)
                    faults[key].append(minor_faults() - before)
        flops = {k: get_model_complexity_info(variants[k], inputs=(x[:1], ), show_table=False,
                                              show_arch=False)['flops'] for k in ('plain', 'protuning')}
    # Weights are read once per forward whatever the batch: at small batches they, not FLOPs, set the pace.
    params = {k: sum(p.numel() for p in variants[k].parameters()) for k in ('plain', 'protuning')}
    # The fastest round: interference from other processes only ever adds time (timeit's reasoning);
    # on the shared development machine medians of one variant moved by up to 5 % between processes.
    return dict(latency={k: min(v) for k, v in latency.items()},
                median={k: statistics.median(v) for k, v in latency.items()}, flops=flops, params=params,
                faults={k: statistics.median(v) for k, v in faults.items()},
                compile_s=compile_s or None)


def base_ratio(latency: Dict[str, float], key: str) -> float:
    """A variant's latency over its base's (``RATIO_BASE``; else the plain model's)."""
    return latency[key] / latency[RATIO_BASE.get(key, 'plain')]


def combine_infer_runs(runs: List[dict]) -> dict:
    """Several inference workers' results -> the median latency of each variant, and each run's ratios.

    Absolute latencies moved by up to 20 % between fresh processes on the shared development
    machine, and ratios by a few percent; the ratios of every run are kept so that the report can
    show their range.
    """
    out = dict(runs[0])
    out['latency'] = {k: statistics.median(r['latency'][k] for r in runs) for k in runs[0]['latency']}
    out['ratios'] = {k: sorted(base_ratio(r['latency'], k) for r in runs) for k in runs[0]['latency'] if k != 'plain'}
    if all('faults' in r for r in runs):
        out['faults'] = {k: statistics.median(r['faults'][k] for r in runs) for k in runs[0]['faults']}
    return out


# glibc's malloc serves every block above its mmap threshold (at most 32 MiB on 64-bit) from a fresh
# mapping and unmaps it on free, so each such tensor's pages are faulted in (and zeroed by the kernel)
# on every forward: at batch 32 most activation maps. 'heap' keeps all blocks on the heap and never
# trims it, so after the first pass no page is faulted in again (peak RSS is then the high-water mark).
MALLOC_MODES = {
    'default': {},
    'heap': dict(MALLOC_MMAP_MAX_='0', MALLOC_TRIM_THRESHOLD_=str(2**40), MALLOC_TOP_PAD_=str(256 * 2**20)),
}
HEAP_TAG = ' (heap malloc)'  # in the names of results measured with --malloc heap
ACCEL_SETTINGS = {'on': ['1'], 'off': ['0'], 'both': ['1', '0']}  # --accel -> PROTUNING_ACCEL values
ACCEL_OFF_TAG = ' (accel off)'  # in the names of results measured without the speed-up layer


def run_worker(args: List[str], threads: int, wait_policy: str = 'default', malloc: str = 'default') -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get('PYTHONPATH')])),
               OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    # OpenMP's own default (spin a while, then sleep) is what users run with, and on an idle machine
    # the fairest. On a CPU shared with other jobs, threads that spin while waiting for a
    # descheduled sibling made steps 5-20x slower here: PASSIVE then measures the model, not the
    # contention, but it also adds a thread wake-up to every parallel op, which nearly doubled
    # ResNet-50's batch-1 latency (30.6 -> 55.8 ms) and weighs most on models with many small ops.
    env.pop('OMP_WAIT_POLICY', None)
    if wait_policy != 'default':
        env['OMP_WAIT_POLICY'] = wait_policy
    if args[0] == 'memory':
        # A fixed mmap threshold stops glibc from raising it after large frees, so every tensor
        # above 64 KiB lives in its own mapping and is returned to the OS when freed: the peak RSS
        # then tracks live tensors instead of the heap's high-water mark.
        env.setdefault('MALLOC_MMAP_THRESHOLD_', str(64 * 1024))
    else:
        env.update(MALLOC_MODES[malloc])
    proc = subprocess.run([sys.executable, osp.abspath(__file__), '--worker', *args], env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f'worker {args} failed:\n{proc.stderr[-4000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- report --------------------------------------------------------------------------------------
def fmt_m(n: float) -> str:
    return f'{n / 1e6:.2f}M'


def fmt_t(seconds: float) -> str:
    return f'{seconds:.2f} s' if seconds >= 1 else f'{seconds * 1e3:.0f} ms'


def shown_size(size) -> str:
    return f'{size}²' if isinstance(size, int) else str(size)


def run_ratios(inf: dict) -> Dict[str, List[float]]:
    """Each variant's latency ratios to its base (``RATIO_BASE``; the plain model), sorted: one per
    process, or (an older, single-run JSON) its own ratio."""
    lat = inf['latency']
    return inf.get('ratios') or {k: [base_ratio(lat, k)] for k in lat if k != 'plain'}


def table(results: Dict[str, dict]) -> str:
    rows = ['| model (input, batch) | paradigm | trainable | train step | × full | peak memory | × full |',
            '| --- | --- | --- | --- | --- | --- | --- |']
    infer_rows = ['| model | batch | FLOPs × plain | bound | latency plain | Pro-tuned | × plain |'
                  ' whole model compiled: plain | Pro-tuned | × compiled plain | ≤ bound + 0.03: eager, compiled |',
                  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    aot_rows = ['| model | batch | FLOPs × plain | compiled ahead of time (AOTInductor): plain | Pro-tuned | × plain |'
                ' ≤ bound + 0.03 |', '| --- | --- | --- | --- | --- | --- | --- |']
    for name, res in results.items():
        _, size, n = MODELS[name.split(' ')[0]][1:4]
        if 'step' in res:
            full_t, full_m = res['step']['full'], res['memory']['full']['peak']
            for label in PARADIGMS:
                t, m = res['step'][label], res['memory'][label]
                rows.append(f'| {name} ({shown_size(size)}, {n}) | {label} | {fmt_m(m["trainable"])} | {t:.2f} s | '
                            f'{t / full_t:.2f} | {m["peak"] / 2**20:,.0f} MiB | {m["peak"] / full_m:.2f} |')
        for bs, inf in sorted(res.get('infer', {}).items(), key=lambda kv: int(kv[0])):
            fl, lat = inf['flops'], inf['latency']
            flops_ratio = fl['protuning'] / fl['plain']
            # At batch 1 every weight is read once per pass for one sample: bytes, not FLOPs, can bound it.
            bound = flops_ratio
            if int(bs) == 1 and 'params' in inf:
                bound = max(bound, inf['params']['protuning'] / inf['params']['plain'])
            ratios = run_ratios(inf)

            def shown(key: str) -> str:
                r = ratios.get(key)
                if not r:
                    return '–'
                return f'{statistics.median(r):.3f}' + (f' ({r[0]:.3f}–{r[-1]:.3f})' if len(r) > 1 else '')

            def latency(key: str) -> str:
                return fmt_t(lat[key]) if key in lat else '–'

            def within(key: str) -> str:
                return ('yes' if statistics.median(ratios[key]) <= bound + 0.03 else 'no') if key in ratios else '–'

            infer_rows.append(
                f'| {name} ({shown_size(size)}) | {bs} | {flops_ratio:.3f} | {bound:.3f} | {latency("plain")} | '
                f'{latency("protuning")} | {shown("protuning")} | {latency("plain compiled")} | '
                f'{latency("whole compiled")} | {shown("whole compiled")} | {within("protuning")}, '
                f'{within("whole compiled")} |')
            if 'aot' in lat:
                aot_rows.append(f'| {name} ({shown_size(size)}) | {bs} | {flops_ratio:.3f} | {latency("plain aot")} | '
                                f'{latency("aot")} | {shown("aot")} | {within("aot")} |')
    tables = [t for t in (rows, infer_rows, aot_rows) if len(t) > 2]  # header and separator only: left out
    return '\n\n'.join('\n'.join(t) for t in tables)


def threads_text(threads: int) -> str:
    return f'{threads} thread{"s" * (threads > 1)}'


def machine(threads: int) -> str:
    import torch
    if torch.cuda.is_available():
        return f'{torch.cuda.get_device_name()}, torch {torch.__version__}'
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next((line.split(':', 1)[1].strip() for line in f if line.startswith('model name')), cpu)
    except OSError:
        pass
    return f'{cpu}, {os.cpu_count()} cores, {threads_text(threads)}, torch {torch.__version__}'


def write_docs(results: dict, meta: dict, path: str) -> None:
    """Replace the block between the marker comments of ``path`` with this run's tables."""
    with open(path) as f:
        text = f.read()
    if DOCS_BEGIN not in text or DOCS_END not in text:
        raise SystemExit(f'{path} has no {DOCS_BEGIN} ... {DOCS_END} block to replace.')
    block = (f'{DOCS_BEGIN}\nMeasured {meta["date"]} on {meta["machine"]}; `{meta["command"]}`; '
             f'peak memory = {meta["how"]}.\n\n{table(results)}\n{DOCS_END}')
    text = re.sub(re.escape(DOCS_BEGIN) + '.*?' + re.escape(DOCS_END), lambda _: block, text, flags=re.S)
    with open(path, 'w') as f:
        f.write(text)


def plot(results: dict, meta: dict, path: str) -> None:
    """Step time and peak memory per paradigm relative to full fine-tuning (grouped bars) and, where
    inference was measured at three or more batch sizes, the latency ratio against batch size."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    # --malloc heap rows stay out of the bars: their memory comes from the same memory workers as the default rows'
    names = [n for n, r in results.items() if 'step' in r and HEAP_TAG not in n and ACCEL_OFF_TAG not in n]
    swept = [n for n, r in results.items() if len(r.get('infer', {})) >= 3]
    labels = list(PARADIGMS)
    fig, axes = plt.subplots(1, 2 + bool(swept), figsize=(11 + 4.5 * bool(swept), 3.8),
                             gridspec_kw=dict(width_ratios=[1, 1] + [0.8] * bool(swept)))
    width = 0.8 / len(labels)
    for ax, what in zip(axes, ('step', 'memory')):
        for i, label in enumerate(labels):
            if what == 'step':
                vals = [results[n]['step'][label] / results[n]['step']['full'] for n in names]
            else:
                vals = [results[n]['memory'][label]['peak'] / results[n]['memory']['full']['peak'] for n in names]
            xs = [j + (i - (len(labels) - 1) / 2) * width for j in range(len(names))]
            bars = ax.bar(xs, vals, width, label=label)
            ax.bar_label(bars, fmt='%.2f', fontsize=7, padding=1)
        ax.axhline(1.0, color='grey', lw=0.8, ls='--')
        ax.set_ylim(0, ax.get_ylim()[1] * 1.08)
        ax.set_xticks(range(len(names)), [n.replace(' (', '\n(') for n in names], fontsize=8)
        ax.set_ylabel('× full fine-tuning')
        ax.set_title('training step time' if what == 'step' else 'peak training memory')
    handles, names_ = axes[0].get_legend_handles_labels()
    fig.legend(handles, names_, fontsize=8, loc='lower center', ncol=len(labels), frameon=False,
               bbox_to_anchor=(0.33 if swept else 0.5, 0))
    if swept:
        plot_latency_by_batch(axes[2], {n: results[n]['infer'] for n in swept})
    fig.suptitle(f'Cost per paradigm ({meta["machine"]}, {meta["date"]})', fontsize=9)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_latency_by_batch(ax, infer: Dict[str, dict]) -> None:
    """Pro-tuned / plain latency (median and range of the processes) against batch size, with each
    model's FLOPs ratio, the target (FLOPs + 0.03) and its parameter ratio for reference."""
    refs = {}  # base model (e.g. 'resnet50' for its channels-last run too) -> one inference result
    for name, by_batch in infer.items():
        batches = sorted(by_batch, key=int)
        ratios = [run_ratios(by_batch[b])['protuning'] for b in batches]
        mid = [statistics.median(r) for r in ratios]
        err = [[m - r[0] for m, r in zip(mid, ratios)], [r[-1] - m for m, r in zip(mid, ratios)]]
        ax.errorbar([int(b) for b in batches], mid, yerr=err, marker='o', ms=4, capsize=3, label=name)
        refs.setdefault(name.split(' ')[0], by_batch[batches[0]])
    for base, ref in refs.items():
        tag = f' ({base})' if len(refs) > 1 else ''
        flops = ref['flops']['protuning'] / ref['flops']['plain']
        ax.axhline(flops, color='k', lw=0.8, ls='--', label=f'FLOPs ratio {flops:.3f}{tag}')
        ax.axhline(flops + 0.03, color='tab:red', lw=0.8, ls=':', label=f'target ≤ {flops + 0.03:.3f}{tag}')
        if 'params' in ref:
            params = ref['params']['protuning'] / ref['params']['plain']
            ax.axhline(params, color='tab:purple', lw=0.8, ls='-.', label=f'parameter ratio {params:.3f}{tag}')
    ax.set_xscale('log', base=2)
    shown = sorted({int(b) for by_batch in infer.values() for b in by_batch})
    ax.set_xticks(shown, [str(b) for b in shown])
    ax.minorticks_off()
    ax.set_xlabel('batch size')
    ax.set_ylabel('latency × plain backbone')
    ax.set_title('inference (eval, no grad)')
    ax.legend(fontsize=7, frameon=False, loc='best')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', choices=list(MODELS), default=list(MODELS))
    parser.add_argument('--rounds', type=int, default=3, help='timed training steps per paradigm')
    parser.add_argument('--infer-rounds', type=int, default=10, help='timed inference passes per variant')
    parser.add_argument('--infer-batches', type=int, nargs='+', default=[1, 32],
                        help='inference batch sizes (classification models; dense models use 1)')
    parser.add_argument('--infer-repeats', type=int, default=3,
                        help='inference measurements per batch size, each in a fresh process (the table shows '
                        'the median ratio and the range)')
    parser.add_argument('--no-compile', action='store_true',
                        help='skip the compiled variants (the whole model compiled, plain and Pro-tuned)')
    parser.add_argument('--no-train', action='store_true', help='inference only')
    parser.add_argument('--aot', action='store_true',
                        help='also time the plain and Pro-tuned models exported and compiled ahead of time '
                             '(torch.export + AOTInductor, freezing on; ~15 s per model and input shape)')
    parser.add_argument('--channels-last', action='store_true',
                        help='models and inputs in channels-last memory format (a config\'s channels_last=True)')
    parser.add_argument('--memory-steps', type=int, default=2, help='training steps per memory measurement')
    parser.add_argument('--threads', type=int, default=os.cpu_count(), help='CPU threads per worker')
    parser.add_argument('--omp-wait-policy', choices=['default', 'PASSIVE', 'ACTIVE'], default='default',
                        help="OpenMP threads' wait policy in the workers (PASSIVE on a machine shared with other jobs)")
    parser.add_argument('--malloc', choices=list(MALLOC_MODES), default='default',
                        help="glibc malloc in the timing workers: its defaults, or 'heap' (no fresh mappings, no "
                        "trimming: no page faults after the first pass; see MALLOC_MODES). Memory workers keep "
                        "their own setting")
    parser.add_argument('--accel', choices=list(ACCEL_SETTINGS), default='on',
                        help="the speed-up layer (protuning_mm.accel, PROTUNING_ACCEL) on, off, or both: each model "
                        "then twice, the rows without it named '... (accel off)'")
    parser.add_argument('--json', help='also write the raw results to this file')
    parser.add_argument('--from-json', nargs='+', metavar='FILE',
                        help='report results saved with --json (one or more runs) instead of measuring')
    parser.add_argument('--docs', nargs='?', const=osp.join(ROOT, 'docs', 'benchmarks.md'), metavar='MD',
                        help='write the tables into this markdown file (default docs/benchmarks.md)')
    parser.add_argument('--plot', nargs='?', const=osp.join(ROOT, 'docs', 'figures', 'training_cost.png'),
                        metavar='PNG', help='draw step time and memory per paradigm (default docs/figures/)')
    parser.add_argument('--worker', nargs='+', help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        import torch
        torch.set_num_threads(args.threads)
        kind, name, *rest = args.worker
        if kind == 'memory':
            out = worker_memory(name, rest[0], args.memory_steps)
        elif kind == 'time':
            out = worker_time(name, args.rounds)
        else:
            out = worker_infer(name, int(rest[0]), args.infer_rounds, not args.no_compile, args.aot)
        print(json.dumps(out))
        return

    if args.from_json:
        results, metas = {}, []
        for path in args.from_json:
            with open(path) as f:
                saved = json.load(f)
            metas.append(saved.pop('_meta'))
            for name, entry in saved.items():  # a later run (e.g. --no-train) replaces only what it measured
                res = results.setdefault(name, {})
                infer = {**res.get('infer', {}), **entry.get('infer', {})}  # per batch size
                res.update(entry)
                if infer:
                    res['infer'] = infer
        dates = sorted({m['date'] for m in metas})
        meta = dict(metas[0], command='`; `'.join(m['command'] for m in metas),
                    date=dates[0] if len(dates) == 1 else f'{dates[0]} to {dates[-1]}')
    else:
        results = {}
        common = ['--threads', str(args.threads)]
        if args.channels_last:
            os.environ['TRAINING_COST_CHANNELS_LAST'] = '1'  # inherited by the workers
        tags = ''.join(t for t, on in ((' (channels-last)', args.channels_last),
                                       (HEAP_TAG, args.malloc != 'default'),
                                       (f' ({threads_text(args.threads)})', args.threads != os.cpu_count())) if on)
        # the speed-up layer's settings, each measured in its own workers (they inherit PROTUNING_ACCEL)
        for name, accel in [(n, a) for n in args.models for a in ACCEL_SETTINGS[args.accel]]:
            os.environ['PROTUNING_ACCEL'] = accel
            res = results[name + tags + ('' if accel == '1' else ACCEL_OFF_TAG)] = {}
            if not args.no_train:
                res['memory'] = {label: run_worker(['memory', name, label, '--memory-steps', str(args.memory_steps),
                                                    *common], args.threads, args.omp_wait_policy) for label in PARADIGMS}
                print(f'{name} memory: {res["memory"]}', file=sys.stderr, flush=True)
                res.update(run_worker(['time', name, '--rounds', str(args.rounds), *common], args.threads,
                                      args.omp_wait_policy, args.malloc))
                print(f'{name} step: {res["step"]}', file=sys.stderr, flush=True)
            # classification models are timed at every --infer-batches size; segmentation models at batch
            # 1 only; detectors not (their forward needs data samples, and the bars are classification's)
            batches = {'mmpretrain': args.infer_batches, 'mmseg': [1]}.get(MODELS[name][1], [])
            res['infer'] = {}
            for bs in batches:
                extra = ['--no-compile'] * args.no_compile + ['--aot'] * args.aot
                runs = [run_worker(['infer', name, str(bs), '--infer-rounds', str(args.infer_rounds), *extra, *common],
                                   args.threads, args.omp_wait_policy, args.malloc) for _ in range(args.infer_repeats)]
                res['infer'][str(bs)] = combine_infer_runs(runs)
                print(f'{name} infer batch {bs}: {res["infer"][str(bs)]}', file=sys.stderr, flush=True)
        how = next((r['memory']['full']['how'] for r in results.values() if 'memory' in r), 'n/a')
        policy = '' if args.omp_wait_policy == 'default' else f', OMP_WAIT_POLICY={args.omp_wait_policy}'
        policy += '' if args.malloc == 'default' else f', malloc {args.malloc}'
        meta = dict(date=datetime.date.today().isoformat(), machine=machine(args.threads) + policy, how=how,
                    command='python benchmarks/training_cost.py ' + ' '.join(sys.argv[1:]))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({**results, '_meta': meta}, f, indent=1)
    print(f'{meta["machine"]}, {meta["date"]}; peak memory = {meta["how"]}.\n')
    print(table(results))
    if args.docs:
        write_docs(results, meta, args.docs)
    if args.plot:
        plot(results, meta, args.plot)


if __name__ == '__main__':
    main()
