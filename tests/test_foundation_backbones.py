"""The frozen foundation backbones used for dense tasks now, at their real widths, depths and patch sizes
(random init, small inputs): DINOv2 (mmpretrain's ``dinov2-*`` archs with layer scale; timm's with four
register tokens), EVA-02 (mmpretrain ``ViTEVA02``; timm ``Eva``) and ConvNeXt-T. What matters for each:

- at init the wrapped model computes the frozen one, at a dense, non-square input size: the same
  outputs under ``no_grad`` in eval mode and in ``train()`` with gradients flowing, the same input
  gradients;
- a ViT layer is prompted on what it returns (after its layer scale and residual, before the final norm),
  and the prompt's map holds the patch tokens only (class and register tokens excluded);
- the prefix tokens stay in the sequence and receive the prompt's spatial mean;
- inputs of another size than ``img_size`` are prompted on that forward's grid (the backbone interpolates
  its position embedding per forward, and the loaded embedding is not touched); ``out_type='featmap'``
  gives maps on that grid;
- the default positions are the paper's U5, as for DeiT.
"""
import copy
import importlib.util
from pathlib import Path

import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.registry import MODELS

from protuning_mm.adapters.base import tokens_to_map
from protuning_mm.models import ProTuningBackbone

ROOT = Path(__file__).resolve().parents[1]

DINOV2_S = dict(type='mmpretrain.VisionTransformer', arch='dinov2-s', img_size=518, patch_size=14,
                layer_scale_init_value=1e-5, out_type='featmap', out_indices=(2, 5, 8, 11))
TIMM = dict(type='mmpretrain.TIMMBackbone', features_only=True, pretrained=False, out_indices=(2, 5, 8, 11))
# name -> (inner backbone config, input (H, W), extra tokens before the patches)
BACKBONES = {
    'mmpretrain-dinov2-s': (DINOV2_S, (70, 98), 1),
    'mmpretrain-eva02-t': (dict(type='mmpretrain.ViTEVA02', arch='t', img_size=224, patch_size=14,
                                out_type='featmap', out_indices=(11, )), (70, 98), 1),
    'timm-dinov2-reg4-s': (dict(TIMM, model_name='vit_small_patch14_reg4_dinov2', dynamic_img_size=True), (70, 98), 5),
    'timm-eva02-t': (dict(TIMM, model_name='eva02_tiny_patch14_224', dynamic_img_size=True), (70, 98), 1),
    # The case that failed before ('blocks.9' not found): timm's default features_only ViT, its own 224 input.
    'timm-vit-t-default': (dict(type='mmpretrain.TIMMBackbone', model_name='vit_tiny_patch16_224', features_only=True,
                                pretrained=False), (224, 224), 1),
    'mmpretrain-convnext-t': (dict(type='mmpretrain.ConvNeXt', arch='tiny', out_indices=(0, 1, 2, 3),
                                   gap_before_final_norm=False), (70, 98), None),
}
VITS = [name for name, (_, _, extra) in BACKBONES.items() if extra is not None]


def build(name: str, **kwargs):
    cfg, hw, _ = BACKBONES[name]
    torch.manual_seed(0)
    wrapped = ProTuningBackbone(backbone=copy.deepcopy(cfg), **kwargs)
    plain = MODELS.build(copy.deepcopy(cfg))
    plain.load_state_dict(wrapped.backbone.state_dict())
    plain.eval()  # the frozen model (not chained: some upstream train() overrides return None)
    return wrapped, plain, torch.rand(2, 3, *hw)


def layers(model: torch.nn.Module) -> list:
    """A ViT's transformer layers (mmpretrain ``layers`` / timm ``blocks``), unwrapped or wrapped."""
    inner = getattr(model, 'backbone', model)
    if hasattr(inner, 'layers'):
        return list(inner.layers)
    timm_model = inner.timm_model
    return list(getattr(timm_model, 'model', timm_model).blocks)


@pytest.mark.parametrize('name', list(BACKBONES))
def test_frozen_model_at_init_in_eval_and_in_training(name):
    wrapped, plain, x = build(name, positions='all')  # every candidate position acts
    wrapped.eval()
    with torch.no_grad():
        expected, got = plain(x), wrapped(x)
    assert len(got) == len(expected) and all(torch.equal(g, e) for g, e in zip(got, expected))
    assert all(o.dim() == 4 for o in got)  # out_type='featmap' / features_only: NCHW maps

    wrapped.train()  # the frozen backbone stays in eval (no drop path, frozen norms), the prompts train
    inputs = [x.clone().requires_grad_(), x.clone().requires_grad_()]
    expected, got = plain(inputs[0]), wrapped(inputs[1])
    assert all(torch.equal(g, e) for g, e in zip(got, expected))
    weights = [torch.randn_like(o) for o in expected]
    torch.autograd.backward(expected, weights)
    torch.autograd.backward(got, weights)
    # Not bit-equal for every ViT: the prefix tokens' share of each prompt, (y - x).mean(), is added to
    # and subtracted from the patch map's gradient, which rounds (DINOv2-S here happens to be exact).
    torch.testing.assert_close(inputs[1].grad, inputs[0].grad)
    assert all(p.grad is not None for p in wrapped.prompts.parameters())


@pytest.mark.parametrize('name', VITS)
def test_layers_prompted_on_their_output_patch_tokens_only(name):
    wrapped, plain, x = build(name, positions='all')
    _, _, n_extra = BACKBONES[name]
    if 'dinov2' in name:  # the layer scale this pins is there (mmpretrain gamma1/gamma2, timm ls1/ls2)
        assert any('gamma' in n for n, _ in layers(plain)[0].named_parameters())
    returned, prompted = {}, {}
    for i, layer in enumerate(layers(plain)):
        layer.register_forward_hook(lambda m, a, out, i=i: returned.__setitem__(i, out))
    stages = {spec.name: spec for spec in wrapped.prompt_stages}
    for i, layer in enumerate(layers(wrapped)):
        name_i = next(n for n, m in wrapped.backbone.named_modules() if m is layer)
        prompt = wrapped.prompts[stages[name_i].name.replace('.', '_')]
        prompt.register_forward_pre_hook(lambda m, a, i=i: prompted.__setitem__(i, a[0]))
    wrapped.eval()
    with torch.no_grad():
        plain(x), wrapped(x)
    patch = wrapped.adapter.stages()[0].reduction
    grid = (-(-x.shape[2] // patch), -(-x.shape[3] // patch))
    assert len(prompted) == len(returned) == len(layers(plain))
    for i, tokens in returned.items():
        assert tokens.shape[1] == n_extra + grid[0] * grid[1]
        assert prompted[i].shape[2:] == grid
        assert torch.equal(prompted[i], tokens_to_map(tokens[:, n_extra:], grid)), i


@pytest.mark.parametrize('name', ['mmpretrain-dinov2-s', 'timm-dinov2-reg4-s'])
def test_prefix_tokens_kept_with_the_prompts_mean(name):
    wrapped, _, x = build(name)
    with torch.no_grad():
        for p in wrapped.prompts.parameters():
            if p.dim() > 1:
                p.normal_(std=0.05)  # prompts that act
    _, _, n_extra = BACKBONES[name]
    spec = wrapped.prompt_stages[2]  # a layer
    seen = {}
    stage = wrapped.backbone.get_submodule(spec.name)
    stage.register_forward_hook(lambda m, a, out: seen.__setitem__('before', out), prepend=True)
    stage.register_forward_hook(lambda m, a, out: seen.__setitem__('after', out))  # runs after the prompt
    prompt = wrapped.prompts[spec.name.replace('.', '_')]
    prompt.register_forward_hook(lambda m, a, out: seen.update(map_in=a[0], map_out=out))
    wrapped.eval()
    with torch.no_grad():
        wrapped(x)
    before, after = seen['before'], seen['after']
    assert after.shape == before.shape  # the class and register tokens stay in the sequence
    grid = seen['map_out'].shape[2:]
    assert torch.equal(after[:, n_extra:], seen['map_out'].flatten(2).transpose(1, 2))
    assert not torch.equal(after[:, n_extra:], before[:, n_extra:])
    mean = (seen['map_out'] - seen['map_in']).mean((2, 3)).unsqueeze(1)
    torch.testing.assert_close(after[:, :n_extra], before[:, :n_extra] + mean)
    assert grid == (5, 7)


def test_dense_inputs_use_their_own_grid_and_leave_the_position_embedding():
    """DINOv2-S (pos embed for 518 = 37x37) at a size 14 does not divide: the patch embedding pads it to
    a 5x7 grid, the prompts act on that grid and the loaded position embedding is unchanged."""
    wrapped, plain, _ = build('mmpretrain-dinov2-s')
    pos = wrapped.backbone.pos_embed.detach().clone()
    assert pos.shape == (1, 1 + 37 * 37, 384)
    shapes = []
    for blocks in wrapped.prompts.values():
        blocks.register_forward_pre_hook(lambda m, a: shapes.append(tuple(a[0].shape)))
    x = torch.rand(1, 3, 64, 90)
    wrapped.eval()
    with torch.no_grad():
        outputs, expected = wrapped(x), plain(x)
    assert shapes == [(1, 384, 5, 7)] * 5
    assert [tuple(o.shape) for o in outputs] == [(1, 384, 5, 7)] * 4
    assert all(torch.equal(o, e) for o, e in zip(outputs, expected))
    assert torch.equal(wrapped.backbone.pos_embed, pos)


@pytest.mark.parametrize('name, names', [
    ('mmpretrain-dinov2-s', ['patch_embed', 'layers.2', 'layers.5', 'layers.8', 'layers.11']),
    ('timm-dinov2-reg4-s', ['timm_model.model.patch_embed'] + [f'timm_model.model.blocks.{i}' for i in (2, 5, 8, 11)]),
])
def test_default_positions_are_deits(name, names):
    """U5 as for DeiT (paper Table 9); at DINOv2-S's width (384) the blocks are DeiT-S's (0.789M, docs/design.md)."""
    wrapped = ProTuningBackbone(backbone=copy.deepcopy(BACKBONES[name][0]))
    assert [s.name for s in wrapped.prompt_stages] == names
    assert sum(p.numel() for p in wrapped.prompts.parameters()) / 1e6 == pytest.approx(0.789, abs=0.001)
    assert set(wrapped.adapter.presets()) == {'all', 'U5', 'F1', 'F5', 'L1', 'L5'}


@pytest.mark.parametrize('config', [
    'configs/detection/mask-rcnn/mask-rcnn_dinov2-s_sfp_protuning_lsj-100e_coco.py',
    'configs/detection/mask-rcnn/mask-rcnn_dinov2-b_sfp_protuning_lsj-100e_coco.py',
    'configs/segmentation/upernet/upernet_dinov2-s_mln_protuning_160k_ade20k-512x512.py',
    'configs/segmentation/upernet/upernet_dinov2-b_mln_protuning_160k_ade20k-512x512.py',
])
def test_dense_configs_use_mmpretrains_dinov2_and_its_published_weights(config):
    """The dense configs' DINOv2 is mmpretrain's (its headless config's arch, input size, patch and layer
    scale) with the checkpoint mmpretrain's model index publishes for that config."""
    mim = Path(importlib.util.find_spec('mmpretrain').submodule_search_locations[0]) / '.mim'
    inner = Config.fromfile(str(ROOT / config)).model.backbone.backbone
    size = 'small' if 'dinov2-s' in config else 'base'
    upstream_config = f'configs/dinov2/vit-{size}-p14_dinov2-pre_headless.py'
    upstream = Config.fromfile(str(mim / upstream_config)).model.backbone
    for key in ('img_size', 'patch_size', 'layer_scale_init_value'):
        assert inner[key] == upstream[key], key
    arch_zoo = MODELS.get('mmpretrain.VisionTransformer').arch_zoo
    assert arch_zoo[inner.arch] == arch_zoo[upstream.arch]
    models = yaml.safe_load((mim / 'configs/dinov2/metafile.yml').read_text())['Models']
    (weights, ) = [m['Weights'] for m in models if m['Config'] == upstream_config]
    assert inner.init_cfg == dict(type='Pretrained', checkpoint=weights, prefix='backbone.')
