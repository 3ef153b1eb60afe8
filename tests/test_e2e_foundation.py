"""End to end on generated COCO / ADE20K: the foundation-backbone dense configs (docs/foundation-backbones.md)
train and test on CPU, one family at a time, with real backbone sizes and tiny inputs.

- Mask R-CNN with a frozen DINOv2 ViT-S/14 and UperNet with a frozen DINOv2 ViT-S/14: through the
  ``train.py`` that mmdet / mmseg ship (the configs' ``custom_imports`` find the plugin), one training
  iteration and one validation pass each.
- The ConvNeXt-T families (Mask R-CNN, UperNet): one iteration through ``tools/train.py``.

The configs change only through ``--cfg-options``: data roots, small images and crops, one iteration,
no data-loader workers, fewer proposals, the plain ``OptimWrapper`` (AMP needs a GPU) and a generated
stand-in for the pre-trained weights (same keys as the published checkpoint, random values), which the
runs must leave untouched.
"""
import importlib.util
import json
import re
from pathlib import Path

import pytest
import torch
from mmengine.registry import MODELS

import protuning_mm  # noqa: F401  (lets torch.load read mmengine checkpoints)
from protuning_mm.analysis.metafiles import models_by_config
from protuning_mm.testing import make_ade20k, make_coco, make_fake_pretrained

ROOT = Path(__file__).resolve().parents[1]
DET = 'configs/detection/mask-rcnn/'
SEG = 'configs/segmentation/upernet/'
DINOV2_DET = DET + 'mask-rcnn_dinov2-s_sfp_protuning_lsj-100e_coco.py'
DINOV2_SEG = SEG + 'upernet_dinov2-s_mln_protuning_160k_ade20k-512x512.py'
CONVNEXT_DET = DET + 'mask-rcnn_convnext-t_fpn_protuning_ms-crop-3x_coco.py'
CONVNEXT_SEG = SEG + 'upernet_convnext-t_protuning_160k_ade20k-512x512.py'
DINOV2_S = dict(type='mmpretrain.VisionTransformer', arch='dinov2-s', img_size=518, patch_size=14,
                layer_scale_init_value=1e-5)
CONVNEXT_T = dict(type='mmpretrain.ConvNeXt', arch='tiny', layer_scale_init_value=1.0)
# Fewer proposals and detections, no score threshold (a detector one iteration old scores below 0.001).
PROPOSALS = ['model.train_cfg.rpn_proposal.nms_pre=200', 'model.train_cfg.rpn_proposal.max_per_img=64',
             'model.test_cfg.rpn.nms_pre=200', 'model.test_cfg.rpn.max_per_img=64',
             'model.test_cfg.rcnn.max_per_img=20', 'model.test_cfg.rcnn.score_thr=0.0']
RUN = ['default_hooks.logger.interval=1', 'randomness.seed=0', 'optim_wrapper.type=OptimWrapper']


def mmtool(package: str) -> str:
    """The train.py an OpenMMLab package ships (``<package>/.mim/tools/train.py``)."""
    return str(Path(importlib.util.find_spec(package).submodule_search_locations[0]) / '.mim' / 'tools' / 'train.py')


def loaders(root: Path, datasets: tuple) -> list:
    """Point the data sets at ``root``; no data-loader workers."""
    return [f'{d}.data_root={root}' for d in datasets] + [
        f'{split}_dataloader.{k}' for split in ('train', 'val', 'test')
        for k in ('num_workers=0', 'persistent_workers=False')]


def scalars(work_dir: Path) -> list:
    return [json.loads(line) for f in sorted(work_dir.glob('*/vis_data/scalars.json'))
            for line in f.read_text().splitlines()]


def reported_trainable(log: str) -> int:
    match = re.search(r'\*\*all\*\* \| \*\*([\d,]+) \(', log)
    assert match, 'ParamReportHook table missing from the log'
    return int(match.group(1).replace(',', ''))


def check_run(config: str, work_dir: Path, log: str, checkpoint: str, pretrained: dict, prompts: int) -> dict:
    """A finite training loss, the metafile's trainable count in the report, frozen weights unchanged,
    the prompt blocks saved; returns the scalars."""
    logged = scalars(work_dir)
    losses = [s['loss'] for s in logged if 'loss' in s]
    assert losses and all(torch.isfinite(torch.tensor(losses))), losses
    assert reported_trainable(log) == models_by_config(ROOT)[config]['Metadata']['Parameters']
    state = torch.load(work_dir / checkpoint, map_location='cpu')['state_dict']
    for key, value in pretrained.items():  # 'backbone.<name>' -> 'backbone.backbone.<name>'
        assert torch.equal(state['backbone.' + key], value), f'frozen {key} changed'
    assert len([k for k in state if k.startswith('backbone.prompts.') and k.endswith('conv2.weight')]) == prompts
    return logged


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('foundation')
    torch.manual_seed(0)
    # Stand-ins for the published checkpoints: mmpretrain ImageClassifier keys ('backbone.<name>').
    weights = {}
    for name, cfg in (('dinov2-s', DINOV2_S), ('convnext-t', CONVNEXT_T)):
        path = tmp / f'{name}_fake.pth'
        weights[name] = (path, make_fake_pretrained(MODELS.build(cfg), path))
    return dict(tmp=tmp, weights=weights, coco=make_coco(tmp / 'coco', num_train=2, num_val=2, stuff=False),
                ade=make_ade20k(tmp / 'ade', num_train=2, num_val=1, size=(96, 128)))


def coco_options(data: dict, train_dataset: str = 'train_dataloader.dataset') -> list:
    ann_val = data['coco'] / 'annotations' / 'instances_val2017.json'
    return [*loaders(data['coco'], (train_dataset, 'val_dataloader.dataset', 'test_dataloader.dataset')),
            f'val_evaluator.ann_file={ann_val}', f'test_evaluator.ann_file={ann_val}',
            'val_dataloader.dataset.pipeline.1.scale=(128,96)', *PROPOSALS, *RUN, 'train_cfg.max_epochs=1']


def ade_options(data: dict) -> list:
    datasets = tuple(f'{split}_dataloader.dataset' for split in ('train', 'val', 'test'))
    return [*loaders(data['ade'], datasets), 'model.data_preprocessor.size=(64,64)',
            'train_dataloader.dataset.pipeline.3.scale=(128,96)',  # RandomResize (after CheckSegLabels)
            'train_dataloader.dataset.pipeline.4.crop_size=(64,64)',  # RandomCrop
            'val_dataloader.dataset.pipeline.1.scale=(128,96)', 'train_dataloader.batch_size=2',
            *RUN, 'train_cfg.max_iters=1', 'default_hooks.checkpoint.interval=1']


def test_dinov2_mask_rcnn_with_mmdets_train_script(data, run_tool):
    """LSJ at 128x128 (mmdet's RepeatDataset once), one iteration of batch 2, then COCO validation."""
    work_dir = data['tmp'] / 'det_dinov2'
    path, pretrained = data['weights']['dinov2-s']
    proc = run_tool(mmtool('mmdet'), DINOV2_DET, '--work-dir', str(work_dir), '--cfg-options',
                    *coco_options(data, 'train_dataloader.dataset.dataset'), 'train_dataloader.dataset.times=1',
                    f'model.backbone.backbone.init_cfg.checkpoint={path}',
                    'train_dataloader.dataset.dataset.pipeline.2.scale=(128,128)',  # RandomResize
                    'train_dataloader.dataset.dataset.pipeline.3.crop_size=(128,128)',  # RandomCrop
                    'model.data_preprocessor.batch_augments.0.size=(128,128)', 'train_cfg.val_interval=1')
    logged = check_run(DINOV2_DET, work_dir, proc.stdout + proc.stderr, 'epoch_1.pth', pretrained, prompts=5)
    assert [s['iter'] for s in logged if 'loss' in s] == [1]
    assert any('coco/bbox_mAP' in s and 'coco/segm_mAP' in s for s in logged)


def test_dinov2_upernet_with_mmsegs_train_script(data, run_tool):
    """64x64 crops (a 5x5 patch grid), one iteration of batch 2, then the mIoU validation."""
    work_dir = data['tmp'] / 'seg_dinov2'
    path, pretrained = data['weights']['dinov2-s']
    proc = run_tool(mmtool('mmseg'), DINOV2_SEG, '--work-dir', str(work_dir), '--cfg-options', *ade_options(data),
                    f'model.backbone.backbone.init_cfg.checkpoint={path}', 'train_cfg.val_interval=1')
    logged = check_run(DINOV2_SEG, work_dir, proc.stdout + proc.stderr, 'iter_1.pth', pretrained, prompts=5)
    assert any({'mIoU', 'mAcc', 'aAcc'} <= set(s) for s in logged)


@pytest.mark.parametrize('config', [CONVNEXT_DET, CONVNEXT_SEG])
def test_convnext_one_iteration_with_tools_train(data, config, run_tool):
    path, pretrained = data['weights']['convnext-t']
    work_dir = data['tmp'] / Path(config).stem
    if config == CONVNEXT_DET:
        # mmdet's multi-scale + crop choice, every scale made small.
        choice = 'train_dataloader.dataset.pipeline.3.transforms'
        options = [*coco_options(data), f'{choice}.0.0.scales=[(128,96)]', f'{choice}.1.0.scales=[(128,96)]',
                   f'{choice}.1.1.crop_size=(96,128)', f'{choice}.1.2.scales=[(128,96)]',
                   'train_cfg.val_interval=2']  # no validation
        checkpoint = 'epoch_1.pth'
    else:
        options = [*ade_options(data), 'train_cfg.val_interval=2']
        checkpoint = 'iter_1.pth'
    proc = run_tool('tools/train.py', config, '--work-dir', str(work_dir), '--cfg-options', *options,
                    f'model.backbone.backbone.init_cfg.checkpoint={path}')
    logged = check_run(config, work_dir, proc.stdout + proc.stderr, checkpoint, pretrained, prompts=4)
    assert [s['iter'] for s in logged if 'loss' in s] == [1]
