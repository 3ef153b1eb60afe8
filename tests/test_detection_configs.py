"""Every detection config builds, and its trainable parameters match the paper (Table 5, +-2 %).

Models are built without pre-trained weights (``init_cfg=None``): counting needs no download.
"""
from pathlib import Path

import pytest
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import DefaultScope

import protuning_mm  # noqa: F401
from protuning_mm.analysis.metafiles import is_measured, load_metafile, measured_params, paper_params, prompt_params
from protuning_mm.engine.param_report import param_groups, param_report
from protuning_mm.models import ProTuningBackbone

ROOT = Path(__file__).resolve().parents[1]
DET = ROOT / 'configs' / 'detection'

# config -> the paper's trainable parameters in M (Table 5, from configs/detection/metafile.yml),
# None where the paper has no number.
PAPER_PARAMS = {name: paper_params(DET / name) for name in (
    'htc/htc_r50_fpn_head_1x_coco.py',
    'htc/htc_r50_fpn_protuning_1x_coco.py',
    'htc/htc_r50_fpn_full_1x_coco.py',
    'htc/htc_r50_fpn_protuning+full_1x_coco.py',
    'htc/htc_swin-s_fpn_protuning_1x_coco.py',
    'cascade-mask-rcnn/cascade-mask-rcnn_r50_fpn_head_1x_coco.py',
    'cascade-mask-rcnn/cascade-mask-rcnn_r50_fpn_protuning_1x_coco.py',
    'cascade-mask-rcnn/cascade-mask-rcnn_r50_fpn_full_1x_coco.py',
    'cascade-mask-rcnn/cascade-mask-rcnn_r50_fpn_protuning+full_1x_coco.py',
    'cascade-mask-rcnn/cascade-mask-rcnn_swin-s_fpn_protuning_1x_coco.py',
)}
# Memory mode trains what Pro-tuning trains.
HTC_MEMORY = 'htc/htc_r50_fpn_protuning-memory_1x_coco.py'
PAPER_PARAMS[HTC_MEMORY] = PAPER_PARAMS['htc/htc_r50_fpn_protuning_1x_coco.py']
# Prompt blocks of the defaults (docs/design.md, 'Parameter targets'), in M: the paper's for the same
# backbone (the classification metafile's Prompt Parameters).
PROMPT_PARAMS = {'r50': prompt_params(ROOT)['resnet50'].params, 'swin-s': prompt_params(ROOT)['swin-small'].params}
# The foundation backbones (docs/foundation-backbones.md), which the paper has no numbers for: config ->
# trainable parameters measured by building it (configs/detection/metafile.yml, Parameters Source: measured).
MEASURED = {f'configs/detection/mask-rcnn/mask-rcnn_{backbone}_{paradigm}_{schedule}_coco.py': None
            for backbone, schedule in (('dinov2-s_sfp', 'lsj-100e'), ('dinov2-b_sfp', 'lsj-100e'),
                                       ('convnext-t_fpn', 'ms-crop-3x'))
            for paradigm in ('head', 'protuning', 'full')}
MEASURED = {path: measured_params(path, ROOT) for path in MEASURED}


def build(config: Path) -> nn.Module:
    cfg = Config.fromfile(str(config))
    cfg.model.backbone.backbone.init_cfg = None  # count only: no pre-trained download
    from mmdet.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(cfg.model)


def trainable(model: nn.Module) -> float:
    return sum(p.numel() for p in model.parameters() if p.requires_grad) / 1e6


def test_every_detection_config_is_listed():
    # (composite/: the offline dense study's configs, tests/test_composite_configs.py)
    found = {str(p.relative_to(DET)) for p in DET.glob('*/*.py') if p.parent.name not in ('_base_', 'composite')}
    measured = {str((ROOT / path).relative_to(DET)) for path in MEASURED}
    assert found == set(PAPER_PARAMS) | measured, 'add new detection configs to PAPER_PARAMS or MEASURED'


@pytest.mark.parametrize('name', sorted(PAPER_PARAMS))
def test_config_builds_with_paper_parameter_count(name):
    model = build(DET / name)
    wrapper = model.backbone
    assert isinstance(wrapper, ProTuningBackbone)
    paradigm = wrapper.paradigm.name
    # {model}_{backbone}_fpn_{paradigm}[-memory]_1x_coco.py
    assert name.split('_')[-3].removesuffix('-memory') == paradigm
    assert wrapper.with_cp is name.endswith('-memory_1x_coco.py')
    rows = param_groups(model)
    total = sum(r[1] for r in rows)
    assert abs(total / 1e6 - trainable(model)) < 1e-6  # the report accounts for every parameter
    assert f'({total / 1e6:.2f}M)' in param_report(model)
    if PAPER_PARAMS[name] is not None:
        assert trainable(model) == pytest.approx(PAPER_PARAMS[name], rel=0.02), param_report(model)

    prompts = sum(p.numel() for p in wrapper.prompts.parameters()) / 1e6
    inner = wrapper.backbone
    inner_trainable = sum(p.numel() for p in inner.parameters() if p.requires_grad)
    if 'protuning' in paradigm:
        backbone_name = 'swin-s' if 'swin-s' in name else 'r50'
        assert prompts == pytest.approx(PROMPT_PARAMS[backbone_name], rel=0.03)
        assert all(p.requires_grad for p in wrapper.prompts.parameters())
    else:
        assert prompts == 0
    if paradigm in ('head', 'protuning'):
        assert inner_trainable == 0
    else:  # full / protuning+full: the backbone's own frozen_stages=1 stays in force
        frozen = [p for m in (inner.conv1, inner.bn1, inner.layer1) for p in m.parameters()]
        assert not any(p.requires_grad for p in frozen)
        assert all(p.requires_grad for p in inner.layer2.parameters())

    # BN of the frozen part stays in eval after model.train() (and mmdet's norm_eval agrees).
    model.train()
    bns = [m for m in inner.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert all(not m.training for m in bns)
    if wrapper.paradigm.freezes_backbone:
        assert not any(m.training for m in inner.modules())
    assert model.neck.training and model.roi_head.training


def test_full_paradigm_matches_mmdet_upstream_count():
    """``full`` through the wrapper trains exactly what mmdet's own config trains."""
    from mmdet.registry import MODELS
    cfg = Config.fromfile(str(DET / 'cascade-mask-rcnn/cascade-mask-rcnn_r50_fpn_full_1x_coco.py'))
    upstream = Config.fromfile(str(Path(__import__('mmdet').__file__).parent / '.mim' / 'configs' /
                                   'cascade_rcnn' / 'cascade-mask-rcnn_r50_fpn_1x_coco.py'))
    for c in (cfg, upstream):
        (c.model.backbone.backbone if c is cfg else c.model.backbone).init_cfg = None
    with DefaultScope.overwrite_default_scope('mmdet'):
        ours, theirs = MODELS.build(cfg.model), MODELS.build(upstream.model)
    assert trainable(ours) == trainable(theirs)


def test_top_level_configs_are_the_protuning_rows():
    for top, family in (('htc_r50_protuning_coco.py', 'htc/htc_r50_fpn_protuning_1x_coco.py'),
                        ('cascade-mask-rcnn_r50_protuning_coco.py',
                         'cascade-mask-rcnn/cascade-mask-rcnn_r50_fpn_protuning_1x_coco.py')):
        a, b = Config.fromfile(str(ROOT / 'configs' / top)), Config.fromfile(str(DET / family))
        assert a.model == b.model and a.train_dataloader == b.train_dataloader
        assert a.custom_imports == dict(imports=['protuning_mm'], allow_failed_imports=False)
        assert a.model.backbone.backbone.init_cfg.checkpoint == 'torchvision://resnet50'
        assert a.train_cfg.max_epochs == 12


def test_htc_memory_mode_config_is_the_protuning_config_with_its_checkpointing():
    memory = Config.fromfile(str(DET / HTC_MEMORY))
    plain = Config.fromfile(str(DET / 'htc/htc_r50_fpn_protuning_1x_coco.py'))
    regions = Config.fromfile(str(DET / '_base_/memory_mode/htc.py')).activation_checkpointing
    assert memory.activation_checkpointing == regions and 'activation_checkpointing' not in plain
    assert memory.model.backbone.pop('with_cp') is True
    assert memory.model == plain.model and memory.train_dataloader == plain.train_dataloader


@pytest.mark.parametrize('path', list(MEASURED))
def test_foundation_config_builds_with_its_measured_count(path):
    """The foundation-backbone detectors: the paradigm of the name, exactly the metafile's measured count,
    prompt blocks of the paper's transformer / CNN defaults, frozen parts in eval after train()."""
    model = build(ROOT / path)
    wrapper = model.backbone
    paradigm = path.split('_')[-3]
    assert isinstance(wrapper, ProTuningBackbone) and wrapper.paradigm.name == paradigm
    assert MEASURED[path] is not None, f'{path}: no measured Parameters in configs/detection/metafile.yml'
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == MEASURED[path], param_report(model)
    inner = wrapper.backbone
    if 'dinov2' in path:  # the last ViT map (stride 14) resized to Mask R-CNN's strides 4..64
        assert list(inner.out_indices) == [11] and inner.out_type == 'featmap'
        assert model.neck.scales == [14 / stride for stride, _ in model.rpn_head.prior_generator.strides]
        assert model.roi_head.bbox_roi_extractor.featmap_strides == [4, 8, 16, 32]
    prompts = wrapper.prompts
    if paradigm == 'protuning':
        if 'dinov2' in path:  # U5 at the ViT width: DeiT-S's / DeiT-B's blocks (the paper's, docs/design.md)
            assert [s.name for s in wrapper.prompt_stages] == ['patch_embed', 'layers.2', 'layers.5', 'layers.8',
                                                              'layers.11']
            deit = prompt_params(ROOT)['deit-small' if 'dinov2-s' in path else 'deit-base'].params
            assert sum(p.numel() for p in prompts.parameters()) / 1e6 == pytest.approx(deit, rel=0.03)
        else:
            assert [s.channels for s in wrapper.prompt_stages] == [96, 192, 384, 768]
    else:
        assert len(prompts) == 0
    inner_trainable = [p.requires_grad for p in inner.parameters()]
    assert not any(inner_trainable) if paradigm != 'full' else all(inner_trainable)
    model.train()
    if paradigm != 'full':
        assert not any(m.training for m in inner.modules())
    assert model.neck.training and model.roi_head.training


def test_every_metafile_model_is_built_here():
    """The metafile's models are among those this module builds and counts (paper or measured)."""
    meta = load_metafile('detection', ROOT)['Models']
    listed = {m['Config'] for m in meta if not is_measured(m)}
    built = {f'configs/detection/{n}' for n in PAPER_PARAMS}
    assert len(listed) == 6 and listed <= built, listed - built
    measured = {m['Config'] for m in meta if is_measured(m)}
    assert measured and measured <= set(MEASURED), measured - set(MEASURED)
