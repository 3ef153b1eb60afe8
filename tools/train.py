"""Train with an mmpretrain, mmdet or mmseg config (the config's ``default_scope`` decides).

Usage:
    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
                                 [--cfg-options key=value ...] [--launcher pytorch]
"""
import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.device import is_cuda_available, is_mlu_available, is_musa_available, is_npu_available
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import protuning_mm  # noqa: F401  (registers modules; lets torch.load read mmengine checkpoints)
from protuning_mm.engine.cpu_ddp import finish_distributed, setup_cpu_distributed
from protuning_mm.engine.delta_checkpoint import check_delta_checkpoint_cfg
from protuning_mm.utils.checkpoint_io import load_checkpoint_file, resolve_resume_checkpoint, use_atomic_checkpoints
from protuning_mm.utils.cli import config_paradigm, merge_cfg_options, resolve_work_dir, run_main
from protuning_mm.utils.data_paths import check_data_paths
from protuning_mm.utils.ops_check import check_mmcv_ops


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model (Pro-tuning or a baseline paradigm)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from the given checkpoint, or from the latest one in work_dir')
    parser.add_argument('--amp', action='store_true', help='enable automatic mixed precision')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the actual batch size (auto_scale_lr)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value (e.g. '
                        'train_dataloader.dataset.data_root=data/coco/)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    file_paradigm = config_paradigm(cfg)
    merge_cfg_options(cfg, args.cfg_options)  # imports a custom_imports given there too
    # CLI > config > ./work_dirs/<config name>[_paradigm-<X> when --cfg-options changed the paradigm]
    cfg.work_dir = resolve_work_dir(cfg, args.config, args.work_dir, file_paradigm)
    if args.amp:
        if not (is_cuda_available() or is_npu_available() or is_mlu_available() or is_musa_available()):
            raise RuntimeError("--amp needs a GPU (CUDA/NPU/MLU/MUSA): mmengine's AmpOptimWrapper does not "
                               'run on CPU. Drop --amp to train in fp32 on CPU.')
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper != 'AmpOptimWrapper':
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in cfg.auto_scale_lr:
            raise RuntimeError('--auto-scale-lr needs `auto_scale_lr = dict(base_batch_size=...)` '
                               'in the config.')
        cfg.auto_scale_lr.enable = True
    rank0 = os.environ.get('RANK', '0') == '0'
    if args.resume == 'auto':
        # The latest checkpoint, checked to load; a broken one falls back to the previous good one.
        cfg.resume = True
        cfg.load_from = resolve_resume_checkpoint(cfg.work_dir, log=print if rank0 else lambda _: None)
    elif args.resume is not None:
        if '://' not in args.resume:
            load_checkpoint_file(args.resume)  # a broken file: a clear error now, not torch's
        cfg.resume, cfg.load_from = True, args.resume
    use_atomic_checkpoints(cfg)  # a crash mid-save cannot leave a half epoch_N.pth

    # The switch without its hook would save full checkpoints. ProTuningRunner.from_cfg checks it too (for
    # mmdet's/mmseg's train.py); here it comes first, before the data checks, as a config error should.
    check_delta_checkpoint_cfg(cfg)
    check_data_paths(cfg, splits=('train', 'val'))
    check_mmcv_ops(cfg)  # on a GPU: stop now, not at iteration 1, if mmcv's ops cannot run there
    setup_cpu_distributed(cfg, args.launcher)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    runner.train()
    del runner  # its DDP wrapper holds the process group: see finish_distributed
    finish_distributed()


if __name__ == '__main__':
    run_main(main)
