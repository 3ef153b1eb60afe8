"""Distributed training for real: ``bash tools/dist_train.sh CONFIG 2`` (torchrun, --launcher pytorch)
on CPU with the gloo backend, on the real ResNet-50 CIFAR-100-LT Pro-tuning config pointed at a tiny
generated CIFAR-100; then ``tools/dist_test.sh`` on its checkpoint. The UperNet config (SyncBN in its
heads, which torch runs only on GPUs) trains on 2 CPU processes too: SyncBN is reverted to BN first. So
does the Cascade Mask R-CNN config, so that each task family (classification, detection, segmentation)
has a 2-process run.

The backbone is frozen before DDP wraps the model, so DDP runs with ``find_unused_parameters=False``:
a trainable parameter without a gradient would make DDP fail on the next iteration. Each rank dumps
its final weights through a hook (``RANK_PROBE``, written beside the config and imported into the
training processes via ``custom_imports``) so the test can compare the ranks.
"""
import os
import re
import runpy
import socket
import subprocess
import sys
from pathlib import Path
from typing import Tuple

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS

import protuning_mm  # noqa: F401  (allow-lists the globals in mmengine checkpoints)
from protuning_mm.testing import (
    ade20k_options,
    coco_options,
    make_ade20k,
    make_cifar,
    make_coco,
    make_fake_pretrained,
    make_fake_torchvision_resnet50,
)

ROOT = Path(__file__).resolve().parents[1]

CONFIG = 'configs/classification/resnet50/resnet50_protuning_cifar100-lt-ir100.py'
SEG_CONFIG = 'configs/upernet_r50_protuning_ade20k.py'
DET_CONFIG = 'configs/cascade-mask-rcnn_r50_protuning_coco.py'


# Test probe, imported by the training processes: after training, every rank saves its model state and
# how DDP wrapped it. Written as a module beside the config, so the processes import no test module.
RANK_PROBE = '''
import os

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module(force=True)
class RankStateDump(Hook):

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir

    def after_train(self, runner) -> None:
        model = runner.model
        module = model.module if is_model_wrapper(model) else model
        info = dict(wrapper=type(model).__name__, rank=runner.rank, world_size=runner.world_size,
                    iters=runner.iter, find_unused_parameters=getattr(model, 'find_unused_parameters', None),
                    device_ids=getattr(model, 'device_ids', 'n/a'),
                    trainable=[n for n, p in module.named_parameters() if p.requires_grad],
                    module_types=sorted({type(m).__name__ for m in module.modules()}))
        state = {k: v.detach().clone() for k, v in module.state_dict().items()}
        os.makedirs(self.out_dir, exist_ok=True)
        torch.save(dict(info=info, state=state), os.path.join(self.out_dir, f'rank{runner.rank}.pth'))
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_script(*args: str, probe_dir: Path, timeout: int = 600) -> str:
    """Run a tools/*.sh script as a user would, with ``probe_dir`` (the probe hook's module) importable."""
    env = dict(os.environ, PORT=str(free_port()), OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([str(ROOT), str(probe_dir)]))
    proc = subprocess.run(['bash', *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise AssertionError(f'{" ".join(args)} failed ({proc.returncode}):\n{log[-8000:]}')
    return log


def dist_train(tmp: Path, config: str, options: list, keep_hooks: bool = False) -> Tuple[Path, str, list]:
    """``bash tools/dist_train.sh`` on 2 CPU processes with the probe hook added to ``config``.

    Returns:
        tuple: The work dir, the log, and each rank's dump (``info`` and ``state``).
    """
    work_dir = tmp / 'work'
    # The real config plus the probe hook (a child config: --cfg-options cannot append to a list).
    hooks = '*_base_.custom_hooks' if keep_hooks else "dict(type='ParamReportHook')"
    probed = tmp / 'probed_config.py'
    (tmp / 'rank_probe.py').write_text(RANK_PROBE)
    probed.write_text(f"_base_ = [{str(ROOT / config)!r}]\n"
                      "custom_imports = dict(imports=['protuning_mm', 'rank_probe'], "
                      "allow_failed_imports=False)\n"
                      f"custom_hooks = [{hooks}, dict(type='RankStateDump', out_dir={str(tmp / 'ranks')!r})]\n")
    log = run_script('tools/dist_train.sh', str(probed), '2', '--work-dir', str(work_dir), '--cfg-options',
                     *options, probe_dir=tmp)
    ranks = [torch.load(tmp / 'ranks' / f'rank{r}.pth', map_location='cpu', weights_only=False) for r in (0, 1)]
    return work_dir, log, ranks


@pytest.fixture(scope='module')
def ddp_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('dist')
    data = make_cifar(tmp / 'cifar100')
    torch.manual_seed(0)
    pretrained = make_fake_pretrained(MODELS.build(dict(type='mmpretrain.ResNet', depth=50, out_indices=(3, ))),
                                      tmp / 'resnet50_fake_in1k.pth')
    options = [
        f'model.backbone.backbone.init_cfg.checkpoint={tmp / "resnet50_fake_in1k.pth"}',
        *[f'{split}_dataloader.{key}' for split in ('train', 'val', 'test')
          for key in (f'dataset.data_root={data}', 'dataset.check_md5=False', 'num_workers=0')],
        'train_dataloader.dataset.pipeline.0.scale=(32,32)', 'train_dataloader.dataset.pipeline.1.crop_size=32',
        'train_dataloader.dataset.pipeline.1.padding=4', 'val_dataloader.dataset.pipeline.0.scale=(32,32)',
        'test_dataloader.dataset.pipeline.0.scale=(32,32)', 'train_dataloader.batch_size=8',
        'param_scheduler=[]', 'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
        'default_hooks.logger.interval=1',
    ]
    work_dir, log, ranks = dist_train(tmp, CONFIG, options)
    return dict(tmp=tmp, work_dir=work_dir, options=options, pretrained=pretrained, log=log, ranks=ranks)


@pytest.fixture(scope='module')
def ddp_seg_run(tmp_path_factory):
    """The UperNet config (SyncBN in both heads) on 2 CPU processes, made tiny by --cfg-options: a
    ResNetV1c-18 stand-in base, 16-channel heads, 64x64 crops, 2 iterations."""
    tmp = tmp_path_factory.mktemp('dist_seg')
    torch.manual_seed(0)
    pretrained = make_fake_pretrained(MODELS.build(dict(type='mmseg.ResNetV1c', depth=18)),
                                      tmp / 'resnet18_v1c_fake.pth', prefix='')
    data = make_ade20k(tmp / 'ade', num_train=4, num_val=2, size=(96, 128))
    options = [*ade20k_options(data, tmp / 'resnet18_v1c_fake.pth', max_iters=2, ckpt_interval=2),
               'model.backbone.backbone.depth=18', 'model.decode_head.in_channels=[64,128,256,512]',
               'model.decode_head.channels=16', 'model.auxiliary_head.in_channels=256',
               'model.auxiliary_head.channels=16', 'train_cfg.val_interval=100']
    work_dir, log, ranks = dist_train(tmp, SEG_CONFIG, options, keep_hooks=True)
    return dict(work_dir=work_dir, log=log, ranks=ranks, pretrained=pretrained)


@pytest.fixture(scope='module')
def ddp_det_run(tmp_path_factory):
    """The Cascade Mask R-CNN config on 2 CPU processes on 8 generated 128x96 COCO images, 1 epoch
    (2 iterations of 2 images per process), no validation."""
    tmp = tmp_path_factory.mktemp('dist_det')
    data = make_coco(tmp / 'coco')
    pretrained = make_fake_torchvision_resnet50(tmp / 'resnet50_fake_torchvision.pth', data / 'train2017')
    options = [*coco_options(data, tmp / 'resnet50_fake_torchvision.pth'), 'train_cfg.max_epochs=1',
               'train_cfg.val_interval=100']
    work_dir, log, ranks = dist_train(tmp, DET_CONFIG, options, keep_hooks=True)
    return dict(work_dir=work_dir, log=log, ranks=ranks, pretrained=pretrained)


def check_ranks(ranks: list, prefixes: Tuple[str, ...]) -> None:
    """DDP on CPU without find_unused_parameters; trained parameters identical on both ranks."""
    for rank, dump in enumerate(ranks):
        info = dump['info']
        assert info['wrapper'] == 'CPUDistributedDataParallel'
        assert (info['rank'], info['world_size']) == (rank, 2)
        assert info['find_unused_parameters'] is False
        assert info['device_ids'] is None  # CPU module
        assert info['iters'] >= 2  # an unused parameter would have failed the second iteration
    rank0, rank1 = (d['state'] for d in ranks)
    trainable = ranks[0]['info']['trainable']
    assert trainable and all(n.startswith(prefixes) for n in trainable), trainable
    for name in trainable:
        assert torch.equal(rank0[name], rank1[name]), f'{name} differs between ranks'
    conv2 = [n for n in trainable if n.endswith('conv2.weight')]  # zero-initialised: moved only by training
    assert conv2 and all(rank0[n].abs().sum() > 0 for n in conv2)


def test_ddp_without_find_unused_parameters(ddp_run):
    check_ranks(ddp_run['ranks'], ('backbone.prompts.', 'head.'))
    assert re.search(r'Epoch\(train\) \[1\]\[\d+/\d+\].*loss', ddp_run['log'])
    assert 'SyncBN' not in ddp_run['log']  # nothing to revert in a classifier


def test_frozen_backbone_unchanged(ddp_run):
    for key, value in ddp_run['pretrained'].items():  # 'backbone.<name>' -> 'backbone.backbone.<name>'
        for dump in ddp_run['ranks']:
            assert torch.equal(dump['state']['backbone.' + key], value), f'frozen {key} changed (BN stats included)'


def test_upernet_with_syncbn_heads_on_cpu_processes(ddp_seg_run):
    assert re.search(r'No GPU: reverted \d+ SyncBN layer\(s\) to BatchNorm before DDP', ddp_seg_run['log'])
    check_ranks(ddp_seg_run['ranks'], ('backbone.prompts.', 'decode_head.', 'auxiliary_head.'))
    assert Config.fromfile(str(ROOT / SEG_CONFIG)).model.decode_head.norm_cfg.type == 'SyncBN'
    for dump in ddp_seg_run['ranks']:
        assert 'SyncBatchNorm' not in dump['info']['module_types'] and '_BatchNormXd' in dump['info']['module_types']
    for key, value in ddp_seg_run['pretrained'].items():  # '<name>' -> 'backbone.backbone.<name>'
        for dump in ddp_seg_run['ranks']:
            assert torch.equal(dump['state']['backbone.backbone.' + key], value), f'frozen {key} changed'
    assert sorted(p.name for p in ddp_seg_run['work_dir'].glob('*.pth')) == ['iter_2.pth']


def test_cascade_mask_rcnn_on_cpu_processes(ddp_det_run):
    check_ranks(ddp_det_run['ranks'], ('backbone.prompts.', 'neck.', 'rpn_head.', 'roi_head.'))
    frozen = {k: v for k, v in ddp_det_run['pretrained'].items() if not k.startswith('fc.')}  # torchvision's classifier
    for key, value in frozen.items():  # torchvision names -> 'backbone.backbone.<name>'
        for dump in ddp_det_run['ranks']:
            assert torch.equal(dump['state']['backbone.backbone.' + key], value), f'frozen {key} changed'
    assert sorted(p.name for p in ddp_det_run['work_dir'].glob('*.pth')) == ['epoch_1.pth']


def test_one_checkpoint_written_by_rank0(ddp_run):
    checkpoints = sorted(p.name for p in ddp_run['work_dir'].glob('*.pth'))
    assert checkpoints == ['epoch_1.pth']
    state = torch.load(ddp_run['work_dir'] / 'epoch_1.pth', map_location='cpu')['state_dict']
    for name in ddp_run['ranks'][0]['info']['trainable']:
        assert torch.equal(state[name], ddp_run['ranks'][0]['state'][name])


def test_dist_test_script(ddp_run):
    log = run_script('tools/dist_test.sh', CONFIG, str(ddp_run['work_dir'] / 'epoch_1.pth'), '2',
                     '--work-dir', str(ddp_run['tmp'] / 'test'), '--cfg-options', *ddp_run['options'],
                     probe_dir=ddp_run['tmp'])
    match = re.search(r'accuracy/top1: ([\d.]+)', log)
    assert match, log[-3000:]
    assert 0 <= float(match.group(1)) <= 100


def test_amp_on_cpu_fails_clearly(tmp_path, monkeypatch):
    if torch.cuda.is_available():
        pytest.skip('a GPU is present: --amp is supported')
    monkeypatch.setattr(sys, 'argv', ['tools/train.py', str(ROOT / CONFIG), '--amp', '--work-dir', str(tmp_path)])
    with pytest.raises(RuntimeError, match=r'--amp needs a GPU.*Drop --amp'):
        runpy.run_module('tools.train', run_name='__main__')


@pytest.mark.parametrize('script, positional', [
    ('tools/slurm_train.sh', ['part', 'job', CONFIG, 'work_dirs/x']),
    ('tools/slurm_test.sh', ['part', 'job', CONFIG, 'ckpt.pth']),
])
def test_slurm_scripts_call_srun(tmp_path, script, positional):
    """A stand-in ``srun`` records its arguments: the scripts must launch one task per GPU with
    --launcher=slurm, pass the extra arguments through and export PORT as MASTER_PORT."""
    fake = tmp_path / 'srun'
    fake.write_text('#!/usr/bin/env bash\necho "MASTER_PORT=$MASTER_PORT $@" > "$SRUN_RECORD"\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f'{tmp_path}{os.pathsep}{os.environ["PATH"]}', SRUN_RECORD=str(tmp_path / 'rec'),
               GPUS='16', GPUS_PER_NODE='8', PORT='29123', SRUN_ARGS='--quotatype=auto')
    subprocess.run(['bash', script, *positional, '--cfg-options', 'a=1'], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    record = (tmp_path / 'rec').read_text()
    for part in ('MASTER_PORT=29123', '-p part', '--job-name=job', '--gres=gpu:8', '--ntasks=16',
                 '--ntasks-per-node=8', '--quotatype=auto', f'{CONFIG}', '--launcher=slurm',
                 '--cfg-options a=1', 'tools/' + ('train.py' if 'train' in script else 'test.py')):
        assert part in record, (part, record)
    with pytest.raises(subprocess.CalledProcessError):  # missing arguments: usage, non-zero exit
        subprocess.run(['bash', script, 'part'], cwd=ROOT, env=env, check=True, capture_output=True)


def test_finish_distributed_destroys_the_group_after_the_dropped_ddp_wrapper(monkeypatch):
    """The tools drop their runner before finish_distributed; the DDP wrapper, held in reference cycles
    as a runner's hooks hold it, must be gone when the group is destroyed (its last reference), so that
    gloo's threads end there and not at interpreter shutdown, where a rank could abort."""
    import gc
    import weakref

    import torch.distributed as torch_dist

    from protuning_mm.engine import cpu_ddp

    torch_dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{free_port()}', rank=0, world_size=1)
    holder = {'model': torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2))}
    holder['self'] = holder  # a cycle: only the cycle collector frees it
    wrapper = weakref.ref(holder['model'])
    alive_at_destroy = []
    destroy = torch_dist.destroy_process_group
    monkeypatch.setattr(torch_dist, 'destroy_process_group',
                        lambda: alive_at_destroy.append(wrapper() is not None) or destroy())
    gc.disable()  # (as if no automatic collection ran in between)
    try:
        del holder
        cpu_ddp.finish_distributed()
    finally:
        gc.enable()
    assert alive_at_destroy == [False]
    assert not torch_dist.is_initialized()
