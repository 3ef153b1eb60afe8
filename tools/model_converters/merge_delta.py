"""Merge a Pro-tuning delta (prompt-only) checkpoint with its frozen base into a full checkpoint.

Usage:
    python tools/model_converters/merge_delta.py CONFIG DELTA OUT [--cfg-options key=value ...]
                                                 [--allow-base-mismatch]

The model is built from CONFIG (the config the delta was trained with); building it loads the
frozen base weights from the config's pre-trained checkpoint (override its path with
--cfg-options, e.g. ``model.backbone.backbone.init_cfg.checkpoint=...``). The delta's base
fingerprint is checked against them. OUT is a full mmengine checkpoint that plain
mmpretrain/mmdet/mmseg tools and inferencers load into the same config's model.
"""
import argparse
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger

from protuning_mm.apis import build_task_model
from protuning_mm.engine import merge_delta
from protuning_mm.utils.checkpoint_io import atomic_torch_save, load_checkpoint_file
from protuning_mm.utils.cli import merge_cfg_options, run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the config the delta was trained with')
    parser.add_argument('delta', help='delta checkpoint (saved with delta_checkpoint=True)')
    parser.add_argument('out', help='output path of the full checkpoint')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value (e.g. the base checkpoint path)')
    parser.add_argument('--allow-base-mismatch', action='store_true',
                        help='merge even if the base weights differ from those the delta was trained on')
    args = parser.parse_args()
    delta = load_checkpoint_file(args.delta)  # before building: a broken file fails in a second
    cfg = merge_cfg_options(Config.fromfile(args.config), args.cfg_options)
    MMLogger.get_current_instance().setLevel('WARNING')  # building logs every parameter's init
    model = build_task_model(cfg)
    merged = merge_delta(model, delta, allow_base_mismatch=args.allow_base_mismatch)
    atomic_torch_save(merged, args.out)
    print(f'Merged {args.delta} ({osp.getsize(args.delta) / 2**20:.1f} MiB) with its base '
          f'(fingerprint {merged["meta"]["protuning_base"]["fingerprint"][:16]}...) into {args.out} '
          f'({osp.getsize(args.out) / 2**20:.1f} MiB).')


if __name__ == '__main__':
    run_main(main)
