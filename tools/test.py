"""Evaluate a checkpoint with an mmpretrain, mmdet or mmseg config.

Usage:
    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
                                           [--cfg-options key=value ...] [--launcher pytorch]
"""
import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import protuning_mm  # noqa: F401  (registers modules; lets torch.load read mmengine checkpoints)
from protuning_mm.engine.cpu_ddp import finish_distributed, setup_cpu_distributed
from protuning_mm.utils.checkpoint_io import load_checkpoint_file
from protuning_mm.utils.cli import config_paradigm, merge_cfg_options, resolve_work_dir, run_main
from protuning_mm.utils.data_paths import check_data_paths
from protuning_mm.utils.ops_check import check_mmcv_ops


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (evaluate) a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument('--out', help='dump the predictions to a pickle file (mmengine DumpResults)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    if '://' not in args.checkpoint:
        load_checkpoint_file(args.checkpoint)  # empty/truncated/not a checkpoint: a clear error now
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    file_paradigm = config_paradigm(cfg)
    merge_cfg_options(cfg, args.cfg_options)  # imports a custom_imports given there too
    # CLI > config > ./work_dirs/<config name>[_paradigm-<X> when --cfg-options changed the paradigm]
    cfg.work_dir = resolve_work_dir(cfg, args.config, args.work_dir, file_paradigm)
    cfg.load_from = args.checkpoint
    check_data_paths(cfg, splits=('test', ))
    check_mmcv_ops(cfg)  # on a GPU: stop now, not at iteration 1, if mmcv's ops cannot run there
    setup_cpu_distributed(cfg, args.launcher)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    if args.out is not None:
        from mmengine.evaluator import DumpResults
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
    runner.test()
    del runner  # its DDP wrapper holds the process group: see finish_distributed
    finish_distributed()


if __name__ == '__main__':
    run_main(main)
