"""tools/train.py -> --resume -> tools/test.py on the real ResNet-50 CIFAR-100-LT Pro-tuning config,
pointed at a tiny generated CIFAR-100 release and a stand-in "pretrained" checkpoint."""
import json
import re
from pathlib import Path

import pytest
import torch
from mmengine.registry import MODELS

import protuning_mm  # noqa: F401
from protuning_mm.testing import make_cifar, make_fake_pretrained

CONFIG = 'configs/classification/resnet50/resnet50_protuning_cifar100-lt-ir100.py'


def scalars(work_dir: Path) -> list:
    files = sorted(work_dir.glob('*/vis_data/scalars.json'))
    return [json.loads(line) for f in files for line in f.read_text().splitlines()]


@pytest.fixture(scope='module')
def trained(tmp_path_factory, run_tool):
    tmp = tmp_path_factory.mktemp('cls')
    data = make_cifar(tmp / 'cifar100')
    torch.manual_seed(0)
    pretrained = make_fake_pretrained(MODELS.build(dict(type='mmpretrain.ResNet', depth=50, out_indices=(3, ))),
                                      tmp / 'resnet50_fake_in1k.pth')
    work_dir = tmp / 'work'
    options = [
        f'model.backbone.backbone.init_cfg.checkpoint={tmp / "resnet50_fake_in1k.pth"}',
        *[f'{split}_dataloader.dataset.{key}' for split in ('train', 'val', 'test')
          for key in (f'data_root={data}', 'check_md5=False')],
        'train_dataloader.dataset.pipeline.0.scale=(64,64)', 'train_dataloader.dataset.pipeline.1.crop_size=64',
        'train_dataloader.dataset.pipeline.1.padding=8', 'val_dataloader.dataset.pipeline.0.scale=(64,64)',
        'test_dataloader.dataset.pipeline.0.scale=(64,64)',
        'train_dataloader.batch_size=8', 'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
        'test_dataloader.num_workers=0', 'optim_wrapper.optimizer.lr=0.05', 'param_scheduler=[]',
        'train_cfg.max_epochs=3', 'train_cfg.val_interval=3', 'default_hooks.logger.interval=1',
    ]
    train = run_tool('tools/train.py', CONFIG, '--work-dir', str(work_dir), '--cfg-options', *options)
    return dict(tmp=tmp, work_dir=work_dir, options=options, pretrained=pretrained, log=train.stdout + train.stderr)


def test_train_logs_finite_decreasing_loss_and_param_report(trained):
    losses = [s['loss'] for s in scalars(trained['work_dir']) if 'loss' in s]
    assert len(losses) >= 6 and all(torch.isfinite(torch.tensor(losses)))
    n = len(losses) // 3
    assert sum(losses[-n:]) / n < sum(losses[:n]) / n, losses
    assert 'Trainable parameters (Pro-tuning report)' in trained['log']
    report = re.search(r'prompts \(4 blocks\) \| ([\d,]+) \|', trained['log'])
    assert report and int(report.group(1).replace(',', '')) > 3e6
    assert any('accuracy/top1' in s for s in scalars(trained['work_dir']))


def test_only_prompts_and_head_changed(trained):
    ckpt = torch.load(trained['work_dir'] / 'epoch_3.pth', map_location='cpu')  # default weights_only=True
    state = ckpt['state_dict']
    first = torch.load(trained['work_dir'] / 'epoch_1.pth', map_location='cpu')['state_dict']
    for key, value in trained['pretrained'].items():  # 'backbone.<name>' -> 'backbone.backbone.<name>'
        assert torch.equal(state['backbone.' + key], value), f'frozen {key} changed (BN stats included)'
    prompt_keys = [k for k in state if k.startswith('backbone.prompts.')]
    assert any(k.endswith('conv2.weight') for k in prompt_keys)
    assert all(state[k].abs().sum() > 0 for k in prompt_keys if k.endswith('conv2.weight'))
    assert not torch.equal(state['head.fc.weight'], first['head.fc.weight'])


def test_resume_then_test(trained, run_tool):
    work_dir = trained['work_dir']
    options = [o for o in trained['options'] if not o.startswith('train_cfg.max_epochs')]
    resumed = run_tool('tools/train.py', CONFIG, '--work-dir', str(work_dir), '--resume',
                       '--cfg-options', *options, 'train_cfg.max_epochs=4')
    assert 'resumed epoch: 3' in resumed.stdout + resumed.stderr
    assert (work_dir / 'epoch_4.pth').exists()
    tested = run_tool('tools/test.py', CONFIG, str(work_dir / 'epoch_4.pth'), '--work-dir', str(work_dir / 'test'),
                      '--cfg-options', *options)
    match = re.search(r'accuracy/top1: ([\d.]+)', tested.stdout + tested.stderr)
    assert match, tested.stdout[-2000:]
    assert 0 <= float(match.group(1)) <= 100


def test_missing_data_root_names_the_option(trained, tmp_path, run_tool):
    options = [o.replace(str(trained['tmp'] / 'cifar100'), str(tmp_path / 'nowhere')) for o in trained['options']]
    with pytest.raises(AssertionError, match=r'does not exist.*--cfg-options train_dataloader\.dataset\.data_root='):
        run_tool('tools/train.py', CONFIG, '--work-dir', str(tmp_path / 'w'), '--cfg-options', *options)
    assert not (tmp_path / 'nowhere').exists()
