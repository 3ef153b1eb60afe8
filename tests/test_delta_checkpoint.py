"""Prompt-only (delta) checkpoints: what they hold, round trips, refusals, and the real tools
(tools/train.py with delta_checkpoint=True, --resume, tools/test.py, merge_delta.py, publish_model.py)."""
import os
import re
import time

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

import protuning_mm  # noqa: F401
from protuning_mm import ProTuningBackbone
from protuning_mm.engine import (
    DeltaCheckpointHook,
    ProTuningRunner,
    base_fingerprint,
    check_delta_checkpoint_cfg,
    frozen_state_keys,
    is_delta,
    load_delta,
    merge_delta,
    save_delta,
)
from protuning_mm.testing import make_cifar, make_fake_pretrained

CONFIG = 'configs/classification/resnet50/resnet50_protuning_cifar100-lt-ir100.py'


def classifier(base, depth=50):
    """mmpretrain ImageClassifier: ResNet frozen in ProTuningBackbone (base loaded via init_cfg) + head."""
    init_default_scope('mmpretrain')
    init_cfg = dict(type='Pretrained', checkpoint=str(base), prefix='backbone') if base else None
    return MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='ProTuningBackbone',
                      backbone=dict(type='mmpretrain.ResNet', depth=depth, out_indices=(3, ), init_cfg=init_cfg)),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=100, in_channels=512 if depth == 18 else 2048))).eval()


def fake_train(model):
    with torch.no_grad():  # every trainable tensor moves, so prompts and head matter
        for p in model.parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p) * 0.05)
    return model


@pytest.fixture(scope='module')
def r50(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('r50')
    torch.manual_seed(0)
    make_fake_pretrained(MODELS.build(dict(type='mmpretrain.ResNet', depth=50)), tmp / 'base.pth')
    model = fake_train(classifier(tmp / 'base.pth'))
    save_delta(model, str(tmp / 'delta.pth'))
    torch.save({'state_dict': model.state_dict()}, tmp / 'full.pth')
    return dict(tmp=tmp, model=model)


def test_delta_round_trip_is_exact_and_small(r50):
    tmp, model = r50['tmp'], r50['model']
    ratio = os.path.getsize(tmp / 'delta.pth') / os.path.getsize(tmp / 'full.pth')
    print(f'\nResNet-50 CIFAR-100 classifier: delta {os.path.getsize(tmp / "delta.pth") / 2**20:.1f} MiB, '
          f'full {os.path.getsize(tmp / "full.pth") / 2**20:.1f} MiB, ratio {ratio:.1%}')
    assert ratio < 0.2
    delta = torch.load(tmp / 'delta.pth', map_location='cpu')
    assert is_delta(delta)
    assert not any(k.startswith('backbone.backbone.') for k in delta['state_dict'])
    assert any(k.startswith('backbone.prompts.') for k in delta['state_dict'])
    fresh = classifier(tmp / 'base.pth')  # base from init_cfg; prompts and head freshly initialised
    x = torch.rand(2, 3, 64, 64)
    assert not torch.equal(fresh(x, mode='tensor'), model(x, mode='tensor'))
    load_delta(fresh, str(tmp / 'delta.pth'))
    assert torch.equal(fresh(x, mode='tensor'), model(x, mode='tensor'))
    merged = merge_delta(classifier(tmp / 'base.pth'), str(tmp / 'delta.pth'))
    assert not is_delta(merged) and merged['meta']['protuning_base']['fingerprint'] == base_fingerprint(model)
    full = model.state_dict()
    assert merged['state_dict'].keys() == full.keys()
    assert all(torch.equal(merged['state_dict'][k], full[k]) for k in full)


def test_fingerprint_is_fast_and_identifies_the_base(r50):
    model = r50['model']
    start = time.perf_counter()
    digest = base_fingerprint(model)
    seconds = time.perf_counter() - start
    print(f'\nbase_fingerprint(ResNet-50, {len(frozen_state_keys(model))} tensors): {seconds:.2f} s')
    assert seconds < 5  # < 1 s on an idle core; slack for a shared CI machine
    other = classifier(None)  # random frozen weights
    assert base_fingerprint(other) != digest
    with pytest.raises(RuntimeError, match=r'fingerprint.*allow_base_mismatch'):
        load_delta(other, str(r50['tmp'] / 'delta.pth'))
    with pytest.warns(UserWarning, match='Loading anyway'):
        load_delta(other, str(r50['tmp'] / 'delta.pth'), allow_base_mismatch=True)


def test_missing_and_unexpected_keys_are_named(r50):
    delta = torch.load(r50['tmp'] / 'delta.pth', map_location='cpu')
    delta['state_dict'].pop('head.fc.bias')
    delta['state_dict']['backbone.backbone.conv1.weight'] = torch.zeros(1)  # a frozen tensor does not belong
    with pytest.raises(KeyError, match=r'missing keys: head\.fc\.bias.*unexpected keys: backbone\.backbone\.conv1'):
        load_delta(r50['model'], delta)


def test_frozen_keys_follow_the_paradigm():
    inner = dict(type='mmpretrain.ResNet', depth=18)
    partial = ProTuningBackbone(backbone=inner, paradigm='partial-1')
    keys = frozen_state_keys(partial)
    assert keys and not any(k.startswith('backbone.layer4.1.') for k in keys)  # the trained block stays
    assert any(k.startswith('backbone.layer4.0.') for k in keys)
    assert frozen_state_keys(ProTuningBackbone(backbone=inner, paradigm='full')) == []
    with pytest.raises(ValueError, match='cannot be shared'):
        partial.share_backbone(ProTuningBackbone(backbone=inner))


def test_delta_switch_without_its_hook_is_an_error(tmp_path, run_tool):
    """delta_checkpoint=True needs DeltaCheckpointHook (it alone reads the switch): an error naming the fix."""
    with_hook = dict(delta_checkpoint=True, custom_hooks=[dict(type='ParamReportHook'),
                                                          dict(type='protuning_mm.DeltaCheckpointHook')])
    check_delta_checkpoint_cfg(with_hook)
    check_delta_checkpoint_cfg(dict(delta_checkpoint=True, custom_hooks=[DeltaCheckpointHook()]))
    check_delta_checkpoint_cfg(dict(delta_checkpoint=False, custom_hooks=[]))
    check_delta_checkpoint_cfg(dict(custom_hooks=[]))
    for hooks in ([], [dict(type='ParamReportHook')], None):
        with pytest.raises(ValueError, match=r"no DeltaCheckpointHook.*dict\(type='DeltaCheckpointHook'\)"):
            check_delta_checkpoint_cfg(dict(delta_checkpoint=True, custom_hooks=hooks))
    with pytest.raises(ValueError, match='no DeltaCheckpointHook'):
        ProTuningRunner.from_cfg(Config(dict(delta_checkpoint=True, custom_hooks=[], work_dir=str(tmp_path))))
    # tools/train.py stops before building anything.
    with pytest.raises(AssertionError, match='no DeltaCheckpointHook'):
        run_tool('tools/train.py', CONFIG, '--work-dir', str(tmp_path), '--cfg-options', 'delta_checkpoint=True',
                 'custom_hooks=[]', timeout=300)


@pytest.fixture(scope='module')
def trained(tmp_path_factory, run_tool):
    """tools/train.py with delta_checkpoint=True (ResNet-18 via --cfg-options, tiny CIFAR-100)."""
    tmp = tmp_path_factory.mktemp('delta_e2e')
    data = make_cifar(tmp / 'cifar100', train_per_class=(6, 6, 6, 6), test_per_class=2)
    torch.manual_seed(0)
    pretrained = make_fake_pretrained(MODELS.build(dict(type='mmpretrain.ResNet', depth=18, out_indices=(3, ))),
                                      tmp / 'base.pth')
    make_fake_pretrained(MODELS.build(dict(type='mmpretrain.ResNet', depth=18)), tmp / 'other_base.pth')
    options = [
        f'model.backbone.backbone.init_cfg.checkpoint={tmp / "base.pth"}', 'model.backbone.backbone.depth=18',
        'model.head.in_channels=512',
        *[f'{split}_dataloader.dataset.{key}' for split in ('train', 'val', 'test')
          for key in (f'data_root={data}', 'check_md5=False')],
        'train_dataloader.dataset.pipeline.0.scale=(32,32)', 'train_dataloader.dataset.pipeline.1.crop_size=32',
        'train_dataloader.dataset.pipeline.1.padding=4', 'val_dataloader.dataset.pipeline.0.scale=(32,32)',
        'test_dataloader.dataset.pipeline.0.scale=(32,32)', 'train_dataloader.batch_size=8',
        'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0', 'test_dataloader.num_workers=0',
        'param_scheduler=[]', 'train_cfg.val_interval=10', 'default_hooks.logger.interval=1',
        'delta_checkpoint=True',
    ]
    work_dir = tmp / 'work'
    run_tool('tools/train.py', CONFIG, '--work-dir', str(work_dir), '--cfg-options', *options,
             'train_cfg.max_epochs=2')
    resumed = run_tool('tools/train.py', CONFIG, '--work-dir', str(work_dir), '--resume', '--cfg-options',
                       *options, 'train_cfg.max_epochs=3')
    return dict(tmp=tmp, work_dir=work_dir, options=options, pretrained=pretrained,
                resume_log=resumed.stdout + resumed.stderr)


def test_training_saves_deltas_and_resumes_from_them(trained):
    work_dir = trained['work_dir']
    assert 'resumed epoch: 2' in trained['resume_log']
    assert 'Loaded a Pro-tuning delta checkpoint' in trained['resume_log']
    for epoch in (2, 3):
        ckpt = torch.load(work_dir / f'epoch_{epoch}.pth', map_location='cpu')
        assert is_delta(ckpt) and 'optimizer' in ckpt
        assert not any(k.startswith('backbone.backbone.') for k in ckpt['state_dict'])
        assert str(trained['tmp'] / 'base.pth') in ckpt['meta']['protuning_delta']['base_checkpoints']
    first = torch.load(work_dir / 'epoch_2.pth', map_location='cpu')['state_dict']
    assert not torch.equal(first['head.fc.weight'], ckpt['state_dict']['head.fc.weight'])  # epoch 3 trained on


def test_test_merge_and_publish_tools(trained, run_tool):
    tmp, work_dir, options = trained['tmp'], trained['work_dir'], trained['options']
    delta = work_dir / 'epoch_3.pth'
    tested = run_tool('tools/test.py', CONFIG, str(delta), '--work-dir', str(tmp / 'test'), '--cfg-options', *options)
    log = tested.stdout + tested.stderr
    assert re.search(r'accuracy/top1: [\d.]+', log)
    assert 'Loaded a Pro-tuning delta checkpoint' in log and 'verified' in log  # the hook checked the base

    run_tool('tools/model_converters/merge_delta.py', CONFIG, str(delta), str(tmp / 'merged.pth'),
             '--cfg-options', *options)
    merged = torch.load(tmp / 'merged.pth', map_location='cpu')
    state, trained_state = merged['state_dict'], torch.load(delta, map_location='cpu')['state_dict']
    for key, value in trained['pretrained'].items():  # 'backbone.<name>' -> 'backbone.backbone.<name>'
        assert torch.equal(state['backbone.' + key], value)
    assert all(torch.equal(state[k], v) for k, v in trained_state.items())
    ratio = os.path.getsize(delta) / os.path.getsize(tmp / 'merged.pth')
    print(f'\nResNet-18 run: delta epoch checkpoint / merged full checkpoint = {ratio:.1%}')
    assert ratio < 0.2

    published = run_tool('tools/publish_model.py', str(delta), str(tmp / 'pub' / 'r18_protuning.pth'))
    final = re.search(r'saved at (\S+\.pth)', published.stdout).group(1)
    assert re.fullmatch(r'.*/r18_protuning-[0-9a-f]{8}\.pth', final)
    slim = torch.load(final, map_location='cpu')
    assert set(slim) == {'meta', 'state_dict'} and is_delta(slim)

    # The base is checked by the tools too: merging onto other frozen weights is refused.
    wrong = [o.replace(str(tmp / 'base.pth'), str(tmp / 'other_base.pth')) for o in options]
    with pytest.raises(AssertionError, match=r'fingerprint'):
        run_tool('tools/model_converters/merge_delta.py', CONFIG, str(delta), str(tmp / 'bad.pth'),
                 '--cfg-options', *wrong)
    assert not (tmp / 'bad.pth').exists()
