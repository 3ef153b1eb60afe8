"""The segmentation configs build, train what the paper trains (Table 6 parameter counts), keep
SyncBN for multi-GPU runs while the single-process revert covers the wrapped backbone, and fail
clearly on bad data (label map size, class ids, class count, data root)."""
import copy
import shutil
from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import DATASETS, MODELS, DefaultScope
from mmengine.runner import Runner

import protuning_mm  # noqa: F401
from protuning_mm.analysis.metafiles import is_measured, load_metafile, measured_params, paper_params, prompt_params
from protuning_mm.engine.param_report import param_groups
from protuning_mm.models import ProTuningBackbone
from protuning_mm.testing import make_ade20k
from protuning_mm.utils.data_paths import check_data_paths

ROOT = Path(__file__).resolve().parents[1]

UPERNET = 'configs/segmentation/upernet/upernet_r50_{}_80k_ade20k-512x512.py'
FCN = 'configs/segmentation/fcn/fcn_r50-d8_{}_80k_ade20k-512x512.py'
SWIN = 'configs/segmentation/swin/upernet_swin-s_protuning_80k_ade20k-512x512.py'

# config -> trainable parameters (paper Table 6, in M, from configs/segmentation/metafile.yml; None:
# not in the paper, checked otherwise)
TARGETS = {path: paper_params(path, root=ROOT) for path in (
    UPERNET.format('head'), UPERNET.format('protuning'), UPERNET.format('full'), UPERNET.format('protuning+full'),
    FCN.format('head'), FCN.format('full'), FCN.format('protuning+full'), SWIN)}
TARGETS[FCN.format('protuning')] = None  # paper prints 26.7M; see test_fcn_protuning_count
# The foundation backbones (docs/foundation-backbones.md), which the paper has no numbers for: config ->
# trainable parameters measured by building it (configs/segmentation/metafile.yml, Parameters Source: measured).
MEASURED = {f'configs/segmentation/upernet/upernet_{backbone}_{paradigm}_160k_ade20k-512x512.py': None
            for backbone in ('dinov2-s_mln', 'dinov2-b_mln', 'convnext-t') for paradigm in ('head', 'protuning', 'full')}
MEASURED = {path: measured_params(path, ROOT) for path in MEASURED}
_BUILT = {}  # models several tests use, built once
_REUSED = {UPERNET.format('protuning'), FCN.format('head'), FCN.format('protuning'), SWIN}


def load_cfg(path: str, **options) -> Config:
    cfg = Config.fromfile(str(ROOT / path))
    cfg.model.pretrained = None  # no download: weights do not matter for counting
    if cfg.model.backbone.backbone.get('init_cfg'):
        cfg.model.backbone.backbone.init_cfg = None
    cfg.merge_from_dict(options)
    return cfg


def build(path: str, **options) -> nn.Module:
    key = (path, repr(sorted(options.items())))
    if key in _BUILT:
        return _BUILT[key]
    with DefaultScope.overwrite_default_scope('mmseg'):  # without leaving mmseg the scope of later tests
        model = MODELS.build(load_cfg(path, **options).model)
    if path in _REUSED and not options:
        _BUILT[key] = model
    return model


def trainable(model: nn.Module) -> int:
    return sum(row[1] for row in param_groups(model))


@pytest.mark.parametrize('path', list(TARGETS))
def test_config_builds_with_the_paradigm_and_paper_count(path):
    model = build(path)
    assert isinstance(model.backbone, ProTuningBackbone)
    paradigm = 'protuning' if path == SWIN else path.split('_')[-3]
    assert model.backbone.paradigm.name == paradigm
    assert len(model.backbone.prompts) == (4 if 'protuning' in paradigm else 0)
    heads = sum(p.numel() for m in (model.decode_head, model.auxiliary_head) for p in m.parameters())
    backbone = sum(p.numel() for p in model.backbone.backbone.parameters())
    prompts = sum(p.numel() for p in model.backbone.prompts.parameters())
    expected = heads + prompts + (backbone if 'full' in paradigm else 0)
    assert trainable(model) == expected
    if TARGETS[path] is not None:
        assert abs(trainable(model) / 1e6 - TARGETS[path]) / TARGETS[path] <= 0.02, trainable(model)


@pytest.mark.parametrize('path', list(MEASURED))
def test_foundation_config_builds_with_its_measured_count(path):
    """The foundation-backbone segmentors: the paradigm of the name, exactly the metafile's measured count,
    the ViT maps of layers 3/6/9/12 at the backbone's width through the neck into UperNet."""
    model = build(path)
    wrapper, paradigm = model.backbone, path.split('_')[-3]
    assert isinstance(wrapper, ProTuningBackbone) and wrapper.paradigm.name == paradigm
    assert MEASURED[path] is not None, f'{path}: no measured Parameters in configs/segmentation/metafile.yml'
    assert trainable(model) == MEASURED[path]
    inner = wrapper.backbone
    if 'dinov2' in path:
        width = inner.embed_dims
        assert list(inner.out_indices) == [2, 5, 8, 11] and inner.out_type == 'featmap'
        assert model.neck.in_channels == [width] * 4 and model.decode_head.in_channels == [model.neck.out_channels] * 4
        assert model.neck.out_channels == width and model.auxiliary_head.in_channels == width
    necks = [model.neck] if model.with_neck else []
    heads = sum(p.numel() for m in (*necks, model.decode_head, model.auxiliary_head) for p in m.parameters())
    prompts = sum(p.numel() for p in wrapper.prompts.parameters())
    assert len(wrapper.prompts) == {'head': 0, 'full': 0, 'protuning': 5 if 'dinov2' in path else 4}[paradigm]
    assert trainable(model) == heads + prompts + (sum(p.numel() for p in inner.parameters()) if paradigm == 'full' else 0)


def test_prompt_blocks_match_the_paper_and_swin_is_mmseg():
    # The paper's prompt blocks of the same backbones (classification metafile, docs/design.md).
    paper = {name: target.params * 1e6 for name, target in prompt_params(ROOT).items()}
    r50 = sum(p.numel() for p in build(UPERNET.format('protuning')).backbone.prompts.parameters())
    assert abs(r50 - paper['resnet50']) / paper['resnet50'] <= 0.03
    swin = build(SWIN).backbone
    assert type(swin.backbone).__module__.startswith('mmseg.')
    assert [s.channels for s in swin.prompt_stages] == [192, 384, 768, 768]
    swin_blocks = sum(p.numel() for p in swin.prompts.parameters())
    assert abs(swin_blocks - paper['swin-small']) / paper['swin-small'] <= 0.03


def test_fcn_protuning_count():
    # The paper's FCN row (26.7M) is 0.6M above head retraining, not the 3.6M of four blocks; a
    # single block after stage 3 (1024 channels) lands on it. Our default keeps all four blocks.
    head = trainable(build(FCN.format('head')))
    ours = trainable(build(FCN.format('protuning')))
    assert 29.0e6 < ours < 30.2e6 and ours - head == sum(
        p.numel() for p in build(FCN.format('protuning')).backbone.prompts.parameters())
    stage3 = trainable(build(FCN.format('protuning'), **{'model.backbone.positions': [2]}))
    paper = paper_params(FCN.format('protuning'), root=ROOT)  # 26.7
    assert abs(stage3 / 1e6 - paper) / paper <= 0.01, stage3


def test_user_facing_configs_are_the_family_configs():
    for alias, family in (('configs/upernet_r50_protuning_ade20k.py', UPERNET.format('protuning')),
                          ('configs/fcn_r50-d8_protuning_ade20k.py', FCN.format('protuning'))):
        a, f = Config.fromfile(str(ROOT / alias)), Config.fromfile(str(ROOT / family))
        for key in ('model', 'train_dataloader', 'val_dataloader', 'test_dataloader', 'train_cfg',
                    'optim_wrapper', 'param_scheduler', 'custom_hooks', 'custom_imports'):
            assert a[key] == f[key], key
        assert a.model.pretrained == 'open-mmlab://resnet50_v1c'  # the paper's ImageNet weights
        assert a.train_cfg.max_iters == 80000 and a.train_dataloader.dataset.pipeline[4].crop_size == (512, 512)
    swin = Config.fromfile(str(ROOT / SWIN))
    assert swin.train_cfg.max_iters == 80000 and swin.param_scheduler[-1].end == 80000
    runtime = Config.fromfile(str(ROOT / 'configs/_base_/protuning_runtime.py'))
    for cfg in (a, swin):  # the shared runtime's hooks are kept, the class check added
        assert [h.type for h in cfg.custom_hooks] == [h.type for h in runtime.custom_hooks] + ['SegClassCheckHook']


@pytest.mark.parametrize('path', [UPERNET.format('protuning'), FCN.format('head')])
def test_syncbn_kept_for_multi_gpu_and_reverted_with_wrapper_intact(path):
    model = copy.deepcopy(build(path))
    for part in (model.decode_head, model.auxiliary_head):
        assert any(isinstance(m, nn.SyncBatchNorm) for m in part.modules())  # DDP runs keep SyncBN
    # The frozen backbone's SyncBN layers normalise with fixed statistics (eval mode): nothing to synchronise.
    # The speed-up layer makes them FrozenBatchNorm; without it they stay SyncBN.
    norms = [m for m in model.backbone.backbone.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    frozen = {type(m).__name__ for m in norms}
    assert frozen == ({'FrozenBatchNorm'} if model.backbone.accel else {'SyncBatchNorm'}), frozen
    for block in model.backbone.prompts.values():  # make the prompts act
        for b in block:
            nn.init.normal_(b.conv2.weight, std=0.01)
    model.eval()
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        before = model.backbone(x)
    flags = {n: p.requires_grad for n, p in model.named_parameters()}
    # What mmengine's Runner does when not distributed (Runner.wrap_model).
    reverted = revert_sync_batchnorm(copy.deepcopy(model))  # a copy, to compare outputs with
    assert not any(isinstance(m, nn.SyncBatchNorm) for m in reverted.modules())
    assert {n: p.requires_grad for n, p in reverted.named_parameters()} == flags
    reverted.train()
    frozen_bns = [m for m in reverted.backbone.backbone.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert frozen_bns and not any(m.training for m in frozen_bns)
    assert all(m.training for m in reverted.decode_head.modules())
    reverted.eval()
    with torch.no_grad():
        after = reverted.backbone(x)
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(before, after))  # prompt hooks survived


@pytest.fixture(scope='module')
def ade(tmp_path_factory):
    return make_ade20k(tmp_path_factory.mktemp('ade'), num_train=2, num_val=1, size=(48, 64))


def train_dataset(cfg: Config, data_root: Path):
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.data_root = str(data_root)
    with DefaultScope.overwrite_default_scope('mmseg'):
        return DATASETS.build(ds_cfg)


def test_label_map_of_another_size_fails_clearly(ade, tmp_path):
    root = Path(shutil.copytree(ade, tmp_path / 'ADEChallengeData2016'))
    label = root / 'annotations/training/ADE_train_00000001.png'
    mmcv.imwrite(np.ones((40, 64), np.uint8), str(label))
    dataset = train_dataset(load_cfg(UPERNET.format('protuning')), root)
    with pytest.raises(ValueError, match=r'ADE_train_00000001\.png.*64x40 \(WxH\) but the image is 64x48'):
        dataset[0]
    assert dataset[1]['inputs'].shape[0] == 3  # the good pair still loads


def test_class_ids_beyond_num_classes_fail_clearly(ade, tmp_path):
    root = Path(shutil.copytree(ade, tmp_path / 'ADEChallengeData2016'))
    label = np.full((48, 64), 3, np.uint8)
    label[5, 5] = 200  # 199 after reduce_zero_label: not an ADE20K class, not the ignore index
    mmcv.imwrite(label, str(root / 'annotations/training/ADE_train_00000001.png'))
    dataset = train_dataset(load_cfg(FCN.format('protuning')), root)
    with pytest.raises(ValueError, match=r'class ids \[199\] are outside \[0, 150\).*decode_head\.num_classes'):
        dataset[0]


def test_head_num_classes_mismatch_fails_before_training(ade, tmp_path):
    cfg = Config.fromfile(str(ROOT / FCN.format('head')))
    cfg.merge_from_dict({
        'model.pretrained': None, 'model.decode_head.num_classes': 10,
        'train_dataloader.dataset.data_root': str(ade), 'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False, 'val_dataloader': None, 'val_cfg': None,
        'val_evaluator': None, 'test_dataloader': None, 'test_cfg': None, 'test_evaluator': None})
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match=r'model\.decode_head\.num_classes is 10 but the train data set '
                       r'\(ADE20KDataset\) has 150 classes'):
        runner.train()


def test_wrong_data_root_names_the_key(tmp_path):
    cfg = Config.fromfile(str(ROOT / UPERNET.format('protuning')))
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': str(tmp_path / 'nowhere')})
    with pytest.raises(FileNotFoundError, match=r'train_dataloader\.dataset\.data_root'):
        check_data_paths(cfg, splits=('train', ))


def test_every_metafile_model_is_built_here():
    """The metafile's models are among those this module builds and counts (paper or measured)."""
    meta = load_metafile('segmentation', ROOT)['Models']
    listed = {m['Config'] for m in meta if not is_measured(m)}
    assert len(listed) == 6 and listed <= set(TARGETS), listed - set(TARGETS)
    measured = {m['Config'] for m in meta if is_measured(m)}
    assert measured and measured <= set(MEASURED), measured - set(MEASURED)
