"""End to end on a tiny generated COCO: HTC and Cascade Mask R-CNN Pro-tuning configs through
``tools/train.py`` (then ``--resume`` and ``tools/test.py``), and a user's own mmdet config through
the ``train.py`` that mmdet ships.

The real configs are changed only with ``--cfg-options``: data paths, 128x96 images, fewer RPN
proposals and detections (no score threshold), no data-loader workers, a fixed seed, a few epochs of
4 iterations, and a stand-in for
``torchvision://resnet50`` (torchvision key layout). The learning rate is mmdet's 0.02 scaled to
batch 2 (0.0025) without warm-up, so that the loss moves within 8 iterations.
"""
import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from mmdet.datasets import CocoDataset
from mmdet.evaluation import CocoMetric
from mmengine.fileio import load
from pycocotools import mask as mask_utils

import protuning_mm  # noqa: F401  (lets torch.load read mmengine checkpoints)
from protuning_mm.testing import coco_options, make_coco, make_fake_torchvision_resnet50

HTC = 'configs/htc_r50_protuning_coco.py'
CASCADE = 'configs/cascade-mask-rcnn_r50_protuning_coco.py'
AP_KEYS = [f'coco/{t}_mAP{s}' for t in ('bbox', 'segm') for s in ('', '_50', '_75', '_s', '_m', '_l')]


def scalars(work_dir: Path) -> list:
    files = sorted(work_dir.glob('*/vis_data/scalars.json'))
    return [json.loads(line) for f in files for line in f.read_text().splitlines()]


def train_losses(work_dir: Path) -> list:
    return [s['loss'] for s in scalars(work_dir) if 'loss' in s]


def assert_finite_decreasing(losses: list, at_least: int) -> None:
    assert len(losses) >= at_least and all(torch.isfinite(torch.tensor(losses))), losses
    n = len(losses) // 3
    assert sum(losses[-n:]) / n < 0.7 * sum(losses[:n]) / n, losses


def reported_trainable(log: str) -> float:
    match = re.search(r'\*\*all\*\* \| \*\*[\d,]+ \(([\d.]+)M\)\*\*', log)
    assert match, 'ParamReportHook table missing from the log'
    return float(match.group(1))


def assert_only_prompts_and_heads_changed(state: dict, earlier: dict, pretrained: dict, heads: tuple) -> None:
    for key, value in pretrained.items():  # torchvision keys -> 'backbone.backbone.<key>'
        if not key.startswith('fc.'):  # torchvision's classifier: not part of mmdet's ResNet
            assert torch.equal(state['backbone.backbone.' + key], value), f'frozen {key} changed'
    last_convs = [k for k in state if k.startswith('backbone.prompts.') and k.endswith('conv2.weight')]
    assert len(last_convs) == 4 and all(state[k].abs().sum() > 0 for k in last_convs)  # zero-initialised
    for head in heads:
        keys = [k for k in state if k.startswith(head + '.')]
        assert keys and any(not torch.equal(state[k], earlier[k]) for k in keys), f'{head} did not train'


@pytest.fixture(scope='module')
def coco(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('det')
    data = make_coco(tmp / 'coco')
    pretrained = make_fake_torchvision_resnet50(tmp / 'resnet50_fake_torchvision.pth', data / 'train2017')
    listing = sorted(str(p.relative_to(data)) for p in data.rglob('*'))
    return dict(tmp=tmp, data=data, pretrained=pretrained, listing=listing,
                options=coco_options(data, tmp / 'resnet50_fake_torchvision.pth'))


@pytest.fixture(scope='module')
def htc(coco, run_tool):
    work_dir = coco['tmp'] / 'htc'
    # No validation during the HTC runs: tools/test.py evaluates the checkpoint (Cascade validates).
    opts = [*coco['options'], 'train_cfg.max_epochs=2', 'train_cfg.val_begin=4']
    proc = run_tool('tools/train.py', HTC, '--work-dir', str(work_dir), '--cfg-options', *opts)
    return dict(work_dir=work_dir, log=proc.stdout + proc.stderr)


def test_htc_train_loss_report_and_checkpoints(htc, coco):
    work_dir = htc['work_dir']
    assert_finite_decreasing(train_losses(work_dir), at_least=8)
    assert reported_trainable(htc['log']) == pytest.approx(60.4, rel=0.02)  # paper Table 5
    assert (work_dir / 'epoch_1.pth').is_file() and (work_dir / 'epoch_2.pth').is_file()
    state = torch.load(work_dir / 'epoch_2.pth', map_location='cpu')['state_dict']
    earlier = torch.load(work_dir / 'epoch_1.pth', map_location='cpu')['state_dict']
    assert_only_prompts_and_heads_changed(state, earlier, coco['pretrained'],
                                          ('neck', 'rpn_head', 'roi_head.bbox_head', 'roi_head.mask_head',
                                           'roi_head.semantic_head', 'backbone.prompts'))


def test_htc_resume_then_test(htc, coco, run_tool):
    work_dir = htc['work_dir']
    resumed = run_tool('tools/train.py', HTC, '--work-dir', str(work_dir), '--resume', '--cfg-options',
                       *coco['options'], 'train_cfg.max_epochs=3', 'train_cfg.val_begin=4')
    assert 'resumed epoch: 2' in resumed.stdout + resumed.stderr
    assert (work_dir / 'epoch_3.pth').is_file()
    losses = train_losses(work_dir)
    assert len(losses) >= 12 and all(torch.isfinite(torch.tensor(losses)))
    assert losses[8] < losses[0], losses  # the resumed run continues from trained weights

    tested = run_tool('tools/test.py', HTC, str(work_dir / 'epoch_3.pth'), '--work-dir', str(work_dir / 'test'),
                      '--out', str(work_dir / 'test' / 'preds.pkl'), '--cfg-options', *coco['options'])
    out = tested.stdout + tested.stderr
    for key in AP_KEYS:
        match = re.search(re.escape(key) + r': (-?[\d.]+)', out)
        assert match, f'{key} missing from tools/test.py output'
        assert -1 <= float(match.group(1)) <= 1  # -1: COCO's "no objects of this size"
    preds = load(work_dir / 'test' / 'preds.pkl')
    assert len(preds) == 4 and {'bboxes', 'masks', 'labels'} <= set(preds[0]['pred_instances'])


def test_cascade_train(coco, run_tool):
    work_dir = coco['tmp'] / 'cascade'
    proc = run_tool('tools/train.py', CASCADE, '--work-dir', str(work_dir), '--cfg-options', *coco['options'],
                    'train_cfg.max_epochs=2', 'train_cfg.val_interval=2')
    assert_finite_decreasing(train_losses(work_dir), at_least=8)
    assert reported_trainable(proc.stdout + proc.stderr) == pytest.approx(57.4, rel=0.02)  # paper Table 5
    val = [s for s in scalars(work_dir) if 'coco/bbox_mAP' in s]
    assert val and all(k in val[-1] for k in AP_KEYS)
    state = torch.load(work_dir / 'epoch_2.pth', map_location='cpu')['state_dict']
    earlier = torch.load(work_dir / 'epoch_1.pth', map_location='cpu')['state_dict']
    assert_only_prompts_and_heads_changed(state, earlier, coco['pretrained'],
                                          ('neck', 'rpn_head', 'roi_head.bbox_head', 'roi_head.mask_head',
                                           'backbone.prompts'))


# What docs/detection.md tells a user to add to their own mmdet config.
USER_CONFIG = """
_base_ = 'mmdet::cascade_rcnn/cascade-mask-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        _delete_=True,
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone=dict(
            type='ResNet', depth=50, num_stages=4, out_indices=(0, 1, 2, 3), frozen_stages=1,
            norm_cfg=dict(type='BN', requires_grad=True), norm_eval=True, style='pytorch',
            init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50'))))
"""


def test_user_config_with_mmdets_own_train_script(coco, run_tool):
    """mmdet's shipped ``tools/train.py`` (``mmdet/.mim/tools/train.py``) trains a user's config
    that only adds ``custom_imports`` and wraps the backbone (one iteration, no validation)."""
    mim_train = Path(importlib.util.find_spec('mmdet').submodule_search_locations[0]) / '.mim' / 'tools' / 'train.py'
    assert mim_train.is_file()
    config = coco['tmp'] / 'my_cascade_protuning.py'
    config.write_text(USER_CONFIG)
    work_dir = coco['tmp'] / 'user'
    run_tool(str(mim_train), str(config), '--work-dir', str(work_dir), '--cfg-options', *coco['options'],
             'train_dataloader.dataset.indices=2', 'train_cfg.max_epochs=1', 'train_cfg.val_begin=2')
    state = torch.load(work_dir / 'epoch_1.pth', map_location='cpu')['state_dict']
    assert any(k.startswith('backbone.prompts.') for k in state)
    for key, value in coco['pretrained'].items():
        if not key.startswith('fc.'):
            assert torch.equal(state['backbone.backbone.' + key], value), f'frozen {key} changed'


@pytest.mark.parametrize('option, broken, cfg_key', [
    ('dataset.data_root', 'nowhere', 'train_dataloader.dataset.data_root'),
    ('dataset.ann_file', 'annotations/missing.json', 'train_dataloader.dataset.ann_file'),
])
def test_missing_data_names_path_and_option(coco, tmp_path, option, broken, cfg_key, run_tool):
    value = str(tmp_path / broken) if broken == 'nowhere' else broken
    with pytest.raises(AssertionError, match=rf'FileNotFoundError.*{re.escape(value)}.*{re.escape(cfg_key)}') as err:
        run_tool('tools/train.py', HTC, '--work-dir', str(tmp_path / 'w'), '--cfg-options', *coco['options'],
                 f'train_dataloader.{option}={value}')
    assert f'--cfg-options {cfg_key}=' in str(err.value)
    assert not (tmp_path / 'nowhere').exists()


def test_nothing_written_into_the_data_directory(coco):
    """Runs above (train, resume, test, failures) leave the user's data folder as it was."""
    assert sorted(str(p.relative_to(coco['data'])) for p in coco['data'].rglob('*')) == coco['listing']


def test_generated_annotations_are_consistent(coco):
    """CocoMetric fed the ground truth as predictions scores 1.0 for boxes and masks."""
    ann_file = coco['data'] / 'annotations' / 'instances_val2017.json'
    gt = json.loads(ann_file.read_text())
    metric = CocoMetric(ann_file=str(ann_file), metric=['bbox', 'segm'])
    metric.dataset_meta = dict(classes=CocoDataset.METAINFO['classes'])
    cat2label = {c['id']: i for i, c in enumerate(gt['categories'])}
    for img in gt['images']:
        anns = [a for a in gt['annotations'] if a['image_id'] == img['id']]
        masks = [mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects(a['segmentation'], img['height'],
                                                                           img['width']))) for a in anns]
        pred = dict(bboxes=torch.tensor([[x, y, x + w, y + h] for x, y, w, h in (a['bbox'] for a in anns)]),
                    scores=torch.ones(len(anns)), labels=torch.tensor([cat2label[a['category_id']] for a in anns]),
                    masks=torch.from_numpy(np.stack(masks)).bool())
        metric.process({}, [dict(img_id=img['id'], ori_shape=(img['height'], img['width']), pred_instances=pred)])
    results = metric.evaluate(size=len(gt['images']))
    assert results['coco/bbox_mAP'] == pytest.approx(1.0) and results['coco/segm_mAP'] == pytest.approx(1.0)


def test_htc_memory_mode_list_keeps_gradients(coco, tmp_path):
    """configs/detection/_base_/memory_mode/htc.py: one real HTC step (generated COCO) with and without
    the neck/heads checkpointed gives the same losses and gradients (HTC's checkpointed parts hold no
    BatchNorm; tests/test_activation_checkpointing.py covers that)."""
    import copy
    import random

    from mmengine.config import Config, DictAction
    from mmengine.registry import RUNNERS, DefaultScope

    from protuning_mm.models import turn_on_activation_checkpointing

    parser = __import__('argparse').ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg = Config.fromfile(HTC)
    cfg.merge_from_dict(parser.parse_args(['--cfg-options', *coco['options']]).cfg_options)
    cfg.work_dir = str(tmp_path)
    regions = Config.fromfile('configs/detection/_base_/memory_mode/htc.py').activation_checkpointing
    with DefaultScope.overwrite_default_scope('mmdet'):  # the runner's scope must not outlive this test
        runner = RUNNERS.build(cfg)
        batch = next(iter(runner.train_dataloader))
    plain = runner.model.train()
    memory = copy.deepcopy(plain)
    memory.backbone.with_cp = True
    assert len(turn_on_activation_checkpointing(memory, regions)) == 9

    calls = {}
    for tag, model in (('plain', plain), ('memory', memory)):
        model.neck.lateral_convs[0].register_forward_pre_hook(lambda *_, tag=tag: calls.update({tag: calls.get(tag, 0) + 1}))

    def step(model):
        torch.manual_seed(0)
        random.seed(0)
        np.random.seed(0)
        losses = model(**model.data_preprocessor(copy.deepcopy(batch), True), mode='loss')
        total, _ = model.parse_losses(losses)
        total.backward()
        return total.detach(), {n: p.grad for n, p in model.named_parameters() if p.grad is not None}

    (loss0, grads0), (loss1, grads1) = step(plain), step(memory)
    assert calls == {'plain': 1, 'memory': 2}  # the FPN (its first lateral conv) really was recomputed in backward
    torch.testing.assert_close(loss1, loss0)
    assert grads0.keys() == grads1.keys() and any(k.startswith('backbone.prompts.') for k in grads0)
    for k in grads0:
        torch.testing.assert_close(grads1[k], grads0[k], rtol=1e-3, atol=1e-5, msg=k)
