"""Serve several Pro-tuning tasks (classification, detection, segmentation) from one frozen backbone.

Usage:
    python tools/infer.py --task NAME CONFIG CHECKPOINT [--task NAME CONFIG CHECKPOINT ...]
                          --run NAME INPUT [--run NAME INPUT ...]
                          [--out-dir DIR] [--show] [--device cpu] [--batch-size 1]
                          [--cfg-options key=value ...] [--allow-base-mismatch]

Each ``--task`` loads a delta checkpoint (saved with ``delta_checkpoint=True``) or a full one with
the config it was trained with; the frozen base backbone is loaded once (from the first task's
config) and shared. Of a full checkpoint only the trained tensors are kept, after its frozen
backbone tensors are checked to equal the base's (a difference is refused, naming the tensors).
Each ``--run`` sends an image or a folder of images to one task through that task's OpenMMLab
inferencer. With ``--out-dir``, predictions go to ``DIR/NAME/preds`` (segmentation:
``DIR/NAME/pred``) and visualisations to ``DIR/NAME/vis``.
"""
import argparse
import json
import os
import os.path as osp
from typing import List

import numpy as np
from mmengine.config import DictAction
from mmengine.logging import MMLogger

from protuning_mm.apis import MultiTaskInferencer
from protuning_mm.utils.cli import run_main

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def resident_memory_mib() -> float:
    """This process's resident set size (Linux ``/proc``), in MiB; NaN elsewhere."""
    try:
        with open('/proc/self/status') as f:
            return next(int(line.split()[1]) for line in f if line.startswith('VmRSS:')) / 1024
    except (OSError, StopIteration):
        return float('nan')


def list_images(path: str) -> List[str]:
    """An image path as a one-item list, or a folder's images in sorted order."""
    if osp.isdir(path):
        files = sorted(osp.join(path, f) for f in os.listdir(path) if f.lower().endswith(IMAGE_EXTENSIONS))
        if not files:
            raise FileNotFoundError(f'No images ({", ".join(IMAGE_EXTENSIONS)}) in folder {path}.')
        return files
    if not osp.isfile(path):
        raise FileNotFoundError(f'Input {path} is neither an image file nor a folder.')
    return [path]


def to_json(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def run(server: MultiTaskInferencer, name: str, images: List[str], args: argparse.Namespace) -> None:
    kind = server.tasks[name]
    out = osp.join(args.out_dir, name) if args.out_dir else ''
    if kind == 'classification':  # ImageClassificationInferencer saves visualisations only
        if out:
            os.makedirs(osp.join(out, 'vis'), exist_ok=True)  # it creates only the last level
        result = server(name, images, batch_size=args.batch_size, show=args.show,
                        show_dir=osp.join(out, 'vis') if out else None)
        for image, pred in zip(images, result):
            print(f'[{name}] {osp.basename(image)}: {pred["pred_class"]} ({pred["pred_score"]:.3f})')
            if out:
                os.makedirs(osp.join(out, 'preds'), exist_ok=True)
                stem = osp.splitext(osp.basename(image))[0]
                with open(osp.join(out, 'preds', f'{stem}.json'), 'w') as f:
                    json.dump({k: to_json(v) for k, v in pred.items()}, f)
    elif kind == 'detection':
        result = server(name, images, batch_size=args.batch_size, show=args.show, out_dir=out,
                        no_save_vis=not out, no_save_pred=not out)
        for image, pred in zip(images, result['predictions']):
            print(f'[{name}] {osp.basename(image)}: {len(pred["labels"])} detections')
    else:
        result = server(name, images, batch_size=args.batch_size, show=args.show, out_dir=out)
        print(f'[{name}] segmented {len(images)} image(s)' + (f' -> {out}' if out else ''))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--task', nargs=3, action='append', required=True,
                        metavar=('NAME', 'CONFIG', 'CHECKPOINT'),
                        help='a task to load: its name, training config and delta (or full) checkpoint')
    parser.add_argument('--run', nargs=2, action='append', default=[], metavar=('NAME', 'INPUT'),
                        help='run an image or a folder of images through task NAME')
    parser.add_argument('--out-dir', default='', help='save predictions and visualisations here')
    parser.add_argument('--show', action='store_true', help='display the visualisations')
    parser.add_argument('--device', default=None, help='cpu, cuda, cuda:1, ... (default: mmengine\'s choice)')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides applied to every task config (e.g. the base checkpoint path)')
    parser.add_argument('--allow-base-mismatch', action='store_true',
                        help='load deltas trained on other base weights, and full checkpoints whose frozen '
                        'tensors differ from the base (their trained tensors then run on the base); '
                        'a warning is printed')
    args = parser.parse_args()
    names = [t[0] for t in args.task]
    unknown = sorted({r[0] for r in args.run} - set(names))
    if unknown:
        parser.error(f'--run names {unknown} are not loaded tasks; --task names: {names}.')
    inputs = [(name, list_images(path)) for name, path in args.run]  # fail before loading models

    MMLogger.get_current_instance().setLevel('WARNING')  # building logs every parameter's init
    before = resident_memory_mib()
    server = MultiTaskInferencer(device=args.device, allow_base_mismatch=args.allow_base_mismatch)
    for name, config, checkpoint in args.task:
        if not osp.isfile(config):
            raise FileNotFoundError(f'Task {name!r}: {config} does not exist.')
        server.add_task(name, config, checkpoint, cfg_options=args.cfg_options)
    base_params = sum(p.numel() for p in server.base.parameters())
    print(f'Loaded {len(names)} task(s) {server.tasks} on one frozen {type(server.base).__name__} '
          f'({base_params / 1e6:.2f}M parameters, fingerprint {server.base_fingerprint[:16]}...); '
          f'resident memory {resident_memory_mib():.0f} MiB ({resident_memory_mib() - before:+.0f} MiB '
          'for the models).')
    for name, images in inputs:
        run(server, name, images, args)


if __name__ == '__main__':
    run_main(main)
