"""Prompt-only (delta) checkpoints and multi-task serving on a frozen ViT base: one DINOv2-style ViT
(patch 14, layer scale, dense maps; small width and depth, random "pre-trained" weights) shared by a
classifier and the shipped DINOv2 UperNet config (configs/segmentation/upernet/, its backbone shrunk).

Each task is loaded from its delta; its results must equal its merged full model run alone through the
plain OpenMMLab inferencer, a delta must load back to the same outputs, and a delta of another base is
refused.
"""
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.registry import MODELS, DefaultScope

import protuning_mm  # noqa: F401
from protuning_mm.apis import MultiTaskInferencer, build_task_model
from protuning_mm.engine import base_fingerprint, is_delta, load_delta, merge_delta, save_delta
from protuning_mm.testing import make_fake_pretrained

ROOT = Path(__file__).resolve().parents[1]

UPERNET = ROOT / 'configs/segmentation/upernet/upernet_dinov2-s_mln_protuning_160k_ade20k-512x512.py'
VIT = dict(type='mmpretrain.VisionTransformer', arch=dict(embed_dims=64, num_layers=4, num_heads=2,
                                                          feedforward_channels=128),
           img_size=28, patch_size=14, layer_scale_init_value=1e-5, out_type='featmap', out_indices=(0, 1, 2, 3))
# Both tasks configure the shared inner backbone identically (the base loaded through init_cfg).
INNER = ("dict(type='mmpretrain.VisionTransformer', "
         "arch=dict(embed_dims=64, num_layers=4, num_heads=2, feedforward_channels=128), img_size=28, "
         "patch_size=14, layer_scale_init_value=1e-5, out_type='featmap', out_indices=(0, 1, 2, 3), "
         "init_cfg=dict(type='Pretrained', checkpoint='{base}', prefix='backbone.'))")
CONFIGS = {
    'cls': """
        _base_ = ['mmpretrain::resnet/resnet18_8xb32_in1k.py']
        custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)
        model = dict(backbone=dict(_delete_=True, type='ProTuningBackbone', backbone={inner}),
                     head=dict(num_classes=5, in_channels=64))
        test_dataloader = dict(dataset=dict(pipeline=[
            dict(type='LoadImageFromFile'), dict(type='ResizeEdge', scale=64, edge='short'),
            dict(type='CenterCrop', crop_size=56), dict(type='PackInputs')]))
        """,
    # The shipped config; only the backbone's size, the head widths and the test input size change.
    'seg': """
        _base_ = ['{upernet}']
        norm_cfg = dict(type='BN', requires_grad=True)
        model = dict(backbone=dict(backbone={inner}),
                     neck=dict(in_channels=[64, 64, 64, 64], out_channels=64),
                     decode_head=dict(in_channels=[64, 64, 64, 64], channels=32, num_classes=4, norm_cfg=norm_cfg),
                     auxiliary_head=dict(in_channels=64, channels=16, num_classes=4, norm_cfg=norm_cfg))
        test_dataloader = dict(dataset=dict(pipeline=[
            dict(type='LoadImageFromFile'), dict(type='Resize', scale=(84, 56), keep_ratio=True),
            dict(type='PackSegInputs')]))
        """,
}
META = {
    'cls': dict(classes=[f'c{i}' for i in range(5)]),
    'seg': dict(classes=('w', 'x', 'y', 'z'), palette=[[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]]),
}


def outputs(kind: str, result) -> list:
    samples = result['predictions'] if isinstance(result, dict) else result
    samples = samples if isinstance(samples, list) else [samples]
    if kind == 'cls':
        return [s.pred_score for s in samples]
    return [t for s in samples for t in (s.pred_sem_seg.data, s.seg_logits.data)]


@pytest.fixture(scope='module', autouse=True)
def restore_default_scope():
    """The inferencers set mmengine's default scope (mmseg last); later test modules must not inherit it."""
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # restores the previous scopes on exit
        yield


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('vit_serving')
    torch.manual_seed(0)
    base = tmp / 'vit_fake_base.pth'
    make_fake_pretrained(MODELS.build(dict(VIT)), base)
    configs, deltas, merged, models = {}, {}, {}, {}
    for kind, text in CONFIGS.items():
        configs[kind] = tmp / f'{kind}.py'
        inner = INNER.format(base=base)
        if kind == 'seg':  # replaces the config's arch='dinov2-s'
            inner = inner.replace('arch=dict(', 'arch=dict(_delete_=True, ')
        configs[kind].write_text(textwrap.dedent(text.format(inner=inner, upernet=UPERNET)))
        model = build_task_model(str(configs[kind]))
        with torch.no_grad():  # stand-in for training: every trainable tensor moves
            for p in model.parameters():
                if p.requires_grad:
                    p.add_(torch.randn_like(p) * 0.05)
        deltas[kind], merged[kind] = tmp / f'{kind}_delta.pth', tmp / f'{kind}_full.pth'
        save_delta(model, str(deltas[kind]), meta=dict(dataset_meta=META[kind]))
        torch.save(merge_delta(model, str(deltas[kind])), merged[kind])
        models[kind] = model
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 255, (56, 84, 3), dtype=np.uint8) for _ in range(2)]
    server = MultiTaskInferencer(device='cpu')
    for kind in CONFIGS:
        server.add_task(kind, str(configs[kind]), str(deltas[kind]))
    return dict(tmp=tmp, base=base, configs=configs, deltas=deltas, merged=merged, models=models, images=images,
                server=server)


def test_delta_holds_only_what_trains_and_loads_back_exactly(setup):
    model = setup['models']['seg']
    delta = torch.load(setup['deltas']['seg'], map_location='cpu')
    assert is_delta(delta)
    assert not any(k.startswith('backbone.backbone.') for k in delta['state_dict'])  # no ViT tensor
    prompts = [k for k in delta['state_dict'] if k.startswith('backbone.prompts.')]
    assert {k.split('.')[2] for k in prompts} == {'patch_embed', 'layers_0', 'layers_1', 'layers_2', 'layers_3'}
    fresh = build_task_model(str(setup['configs']['seg']))  # the same base, fresh prompts and heads
    x = torch.rand(1, 3, 56, 84)
    with torch.no_grad():
        expected = model(x, mode='tensor')
        assert not torch.equal(fresh(x, mode='tensor'), expected)
        load_delta(fresh, str(setup['deltas']['seg']))
        assert torch.equal(fresh(x, mode='tensor'), expected)

    torch.manual_seed(1)
    other = build_task_model(str(setup['configs']['seg']))  # then given other frozen weights
    inner = other.backbone.backbone
    inner.load_state_dict({k: torch.randn_like(v) for k, v in inner.state_dict().items()})
    assert base_fingerprint(other) != base_fingerprint(model)
    with pytest.raises(RuntimeError, match='fingerprint'):
        load_delta(other, str(setup['deltas']['seg']))


def test_tasks_share_one_vit(setup):
    server = setup['server']
    assert server.tasks == {'cls': 'classification', 'seg': 'segmentation'}
    models = {kind: server.inferencer(kind).model for kind in server.tasks}
    assert all(m.backbone.backbone is server.base for m in models.values())
    unique = {p.data_ptr(): p.numel() for m in models.values() for p in m.parameters()}
    per_model = sum(p.numel() for m in models.values() for p in m.parameters())
    assert sum(unique.values()) == per_model - sum(p.numel() for p in server.base.parameters())


@pytest.mark.parametrize('kind', list(CONFIGS))
def test_results_equal_merged_full_model_alone(setup, kind):
    server = setup['server']
    other = next(k for k in CONFIGS if k != kind)
    server(other, setup['images'][:1], return_datasamples=True)  # its prompts must not leak into this task
    shared = outputs(kind, server(kind, setup['images'], return_datasamples=True))
    if kind == 'cls':
        from mmpretrain.apis import ImageClassificationInferencer
        alone = ImageClassificationInferencer(str(setup['configs'][kind]), pretrained=str(setup['merged'][kind]),
                                              device='cpu')
    else:
        from mmseg.apis import MMSegInferencer
        alone = MMSegInferencer(str(setup['configs'][kind]), weights=str(setup['merged'][kind]), device='cpu')
    expected = outputs(kind, alone(setup['images'], return_datasamples=True))
    assert len(shared) == len(expected) > 0
    for a, b in zip(shared, expected):
        assert torch.equal(a, b), (kind, (a.float() - b.float()).abs().max())
    assert Path(setup['merged'][kind]).stat().st_size > Path(setup['deltas'][kind]).stat().st_size
