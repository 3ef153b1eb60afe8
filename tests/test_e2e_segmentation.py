"""End to end on a tiny generated ADE20K: the real segmentation configs, changed only through
--cfg-options (data root, 64x64 crops, a few iterations, a stand-in open-mmlab://resnet50_v1c).

UperNet R-50 Pro-tuning: our tools/train.py -> --resume -> tools/test.py (mIoU/mAcc/aAcc).
FCN R-50-D8 Pro-tuning: mmseg's own tools/train.py (site-packages/mmseg/.mim/tools/train.py), which
only needs the config's custom_imports to find ProTuningBackbone.
"""
import json
import re
from pathlib import Path
from typing import Optional

import mmseg
import pytest
import torch
from mmengine.registry import MODELS

import protuning_mm  # noqa: F401
from protuning_mm.testing import ade20k_options, make_ade20k, make_fake_pretrained

UPERNET = 'configs/upernet_r50_protuning_ade20k.py'
FCN = 'configs/fcn_r50-d8_protuning_ade20k.py'
UPERNET_MEMORY = 'configs/segmentation/upernet/upernet_r50_protuning-memory_80k_ade20k-512x512.py'
MMSEG_TRAIN = str(Path(mmseg.__file__).parent / '.mim' / 'tools' / 'train.py')


def scalars(work_dir: Path) -> list:
    files = sorted(work_dir.glob('*/vis_data/scalars.json'))
    return [json.loads(line) for f in files for line in f.read_text().splitlines()]


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('seg')
    torch.manual_seed(0)
    # open-mmlab://resnet50_v1c holds plain ResNetV1c keys (stem.0.weight, layer1.0.conv1.weight, ...).
    pretrained = make_fake_pretrained(MODELS.build(dict(type='mmseg.ResNetV1c', depth=50)),
                                      tmp / 'resnet50_v1c_fake.pth', prefix='')
    return dict(tmp=tmp, root=make_ade20k(tmp / 'ade', num_train=8, num_val=2, size=(96, 128)),
                ckpt=tmp / 'resnet50_v1c_fake.pth', pretrained=pretrained)


def check_training(work_dir: Path, log: str, last_ckpt: str, pretrained: dict,
                   first_ckpt: Optional[str] = None) -> None:
    """Finite, decreasing loss; mIoU logged; only prompts and (if ``first_ckpt``) decode heads changed."""
    losses = [s['loss'] for s in scalars(work_dir) if 'loss' in s]
    assert len(losses) >= 5 and all(torch.isfinite(torch.tensor(losses))), losses
    n = len(losses) // 3
    assert sum(losses[-n:]) / n < sum(losses[:n]) / n, losses
    assert any({'mIoU', 'mAcc', 'aAcc'} <= set(s) for s in scalars(work_dir))
    assert 'Trainable parameters (Pro-tuning report)' in log
    state = torch.load(work_dir / last_ckpt, map_location='cpu')['state_dict']  # default weights_only=True
    for key, value in pretrained.items():  # '<name>' -> 'backbone.backbone.<name>', BN statistics included
        assert torch.equal(state['backbone.backbone.' + key], value), f'frozen {key} changed'
    last_convs = [k for k in state if k.startswith('backbone.prompts.') and k.endswith('conv2.weight')]
    assert len(last_convs) == 4 and all(state[k].abs().sum() > 0 for k in last_convs)  # left their zero init
    if first_ckpt:
        first = torch.load(work_dir / first_ckpt, map_location='cpu')['state_dict']
        for head in ('decode_head.conv_seg.weight', 'auxiliary_head.conv_seg.weight'):
            assert not torch.equal(state[head], first[head]), head


@pytest.fixture(scope='module')
def upernet(data, run_tool):
    work_dir = data['tmp'] / 'upernet'
    options = ade20k_options(data['root'], data['ckpt'], max_iters=8, ckpt_interval=4)
    train = run_tool('tools/train.py', UPERNET, '--work-dir', str(work_dir), '--cfg-options', *options)
    return dict(work_dir=work_dir, options=options, log=train.stdout + train.stderr)


def test_upernet_trains_prompts_and_heads_only(upernet, data):
    check_training(upernet['work_dir'], upernet['log'], 'iter_8.pth', data['pretrained'], first_ckpt='iter_4.pth')
    assert 'reverted to BatchNormXd' in upernet['log']  # single process: the Runner drops SyncBN


def test_upernet_resume_then_test(upernet, data, run_tool):
    work_dir = upernet['work_dir']
    options = [o for o in upernet['options'] if not o.startswith('train_cfg.')]
    resumed = run_tool('tools/train.py', UPERNET, '--work-dir', str(work_dir), '--resume', '--cfg-options',
                       *options, 'train_cfg.max_iters=10', 'train_cfg.val_interval=100')
    assert 'resumed epoch: 0, iter: 8' in resumed.stdout + resumed.stderr
    iters = [s['iter'] for s in scalars(work_dir) if 'loss' in s]
    assert iters[-2:] == [9, 10]
    tested = run_tool('tools/test.py', UPERNET, str(work_dir / 'iter_10.pth'), '--work-dir',
                      str(work_dir / 'test'), '--cfg-options', *options)
    metrics = re.search(r'aAcc: ([\d.]+)\s+mIoU: ([\d.]+)\s+mAcc: ([\d.]+)', tested.stdout + tested.stderr)
    assert metrics, (tested.stdout + tested.stderr)[-2000:]
    assert all(0 <= float(v) <= 100 for v in metrics.groups())


def test_fcn_with_mmseg_own_train_script(data, run_tool):
    work_dir = data['tmp'] / 'fcn'
    train = run_tool(MMSEG_TRAIN, FCN, '--work-dir', str(work_dir), '--cfg-options',
                     *ade20k_options(data['root'], data['ckpt'], max_iters=6, ckpt_interval=6))
    check_training(work_dir, train.stdout + train.stderr, 'iter_6.pth', data['pretrained'])


def test_upernet_memory_mode_with_mmseg_own_train_script(data, run_tool):
    """The memory-mode config (with_cp + head activation_checkpointing) trains through mmseg's train.py."""
    work_dir = data['tmp'] / 'upernet_memory'
    train = run_tool(MMSEG_TRAIN, UPERNET_MEMORY, '--work-dir', str(work_dir), '--cfg-options',
                     *ade20k_options(data['root'], data['ckpt'], max_iters=6, ckpt_interval=3))
    log = train.stdout + train.stderr
    # ProTuningRunner (runner_type) applied the key, so mmengine's reentrant version never ran.
    assert 'Activation checkpointing (non-reentrant) of 14 region(s)' in log, log[-3000:]
    assert 'Enabling the "activation_checkpointing" feature' not in log
    check_training(work_dir, log, 'iter_6.pth', data['pretrained'], first_ckpt='iter_3.pth')
