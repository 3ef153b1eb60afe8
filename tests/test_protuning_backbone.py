"""ProTuningBackbone over every adapter x every paradigm, on small real OpenMMLab/timm backbones."""
import copy

import pytest
import torch
import torch.nn as nn
from mmengine.registry import MODELS, DefaultScope

from protuning_mm.models import ProTuningBackbone

SWIN_TINY = dict(embed_dims=16, depths=(1, 1, 1, 1), num_heads=(1, 1, 1, 1), window_size=2,
                 out_indices=(0, 1, 2, 3))
VIT_TINY = dict(arch=dict(embed_dims=64, num_layers=4, num_heads=2, feedforward_channels=64),
                img_size=32, patch_size=8)
# The foundation ViTs' traits on a tiny arch: patch 14, dense feature maps; DINOv2's layer scale.
P14_TINY = dict(arch=dict(embed_dims=64, num_layers=4, num_heads=2, feedforward_channels=128), img_size=28,
                patch_size=14, out_type='featmap', out_indices=(1, 3))
CONVNEXT_TINY = dict(arch=dict(depths=[1, 1, 2, 1], channels=[16, 32, 48, 64]), out_indices=(0, 1, 2, 3),
                     gap_before_final_norm=False)
# timm ViTs shrunk through create_model's keyword arguments; features_only gives timm's FeatureGetterNet.
TIMM_VIT_TINY = dict(type='mmpretrain.TIMMBackbone', features_only=True, pretrained=False, out_indices=(1, 3),
                     img_size=28, depth=4, embed_dim=64, num_heads=2)

# name -> (inner backbone config, input size)
BACKBONES = {
    'mmpretrain.ResNet': (dict(type='mmpretrain.ResNet', depth=18, out_indices=(0, 1, 2, 3)), 64),
    'mmpretrain.ResNetV1c': (dict(type='mmpretrain.ResNetV1c', depth=50, out_indices=(3, )), 64),
    'mmpretrain.ResNetV1d': (dict(type='mmpretrain.ResNetV1d', depth=18, out_indices=(2, 3)), 64),
    'mmpretrain.RegNet': (dict(type='mmpretrain.RegNet', arch='regnetx_400mf', out_indices=(0, 1, 2, 3)), 64),
    'mmpretrain.MobileNetV2': (dict(type='mmpretrain.MobileNetV2', widen_factor=0.5), 64),
    'mmpretrain.SwinTransformer': (dict(type='mmpretrain.SwinTransformer', img_size=64, arch=dict(
        embed_dims=16, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1]), window_size=2, out_indices=(0, 1, 2, 3)), 64),
    'mmpretrain.VisionTransformer': (dict(type='mmpretrain.VisionTransformer', **VIT_TINY), 32),
    'mmpretrain.DistilledVisionTransformer': (dict(type='mmpretrain.DistilledVisionTransformer', **VIT_TINY), 32),
    'mmdet.ResNet': (dict(type='mmdet.ResNet', depth=18, frozen_stages=1, norm_eval=True), 64),
    'mmdet.SwinTransformer': (dict(type='mmdet.SwinTransformer', **SWIN_TINY), 64),
    'mmseg.ResNetV1c': (dict(type='mmseg.ResNetV1c', depth=18, dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1),
                             norm_cfg=dict(type='BN', requires_grad=True)), 64),
    'mmseg.SwinTransformer': (dict(type='mmseg.SwinTransformer', **SWIN_TINY), 64),
    'mmpretrain.TIMMBackbone': (dict(type='mmpretrain.TIMMBackbone', model_name='resnet18', features_only=True,
                                     pretrained=False, out_indices=(1, 2, 3, 4)), 64),
    'mmpretrain.ConvNeXt': (dict(type='mmpretrain.ConvNeXt', **CONVNEXT_TINY), 64),
    'mmpretrain.ConvNeXt-V2': (dict(type='mmpretrain.ConvNeXt', use_grn=True, **CONVNEXT_TINY), 64),
    'mmpretrain.VisionTransformer-dinov2': (dict(type='mmpretrain.VisionTransformer', layer_scale_init_value=1e-5,
                                                 **P14_TINY), 28),
    'mmpretrain.ViTEVA02': (dict(type='mmpretrain.ViTEVA02', **P14_TINY), 28),
    'timm.vit': (dict(TIMM_VIT_TINY, model_name='vit_tiny_patch16_224', patch_size=14), 28),
    'timm.vit-reg4-dinov2': (dict(TIMM_VIT_TINY, model_name='vit_small_patch14_reg4_dinov2', dynamic_img_size=True), 28),
    'timm.eva02': (dict(TIMM_VIT_TINY, model_name='eva02_tiny_patch14_224'), 28),
    'timm.convnextv2': (dict(type='mmpretrain.TIMMBackbone', model_name='convnextv2_atto', features_only=True,
                             pretrained=False, out_indices=(0, 1, 2, 3)), 64),
}
PARADIGMS = ['scratch', 'head', 'partial-1', 'full', 'protuning', 'protuning+full']


def as_list(outputs):
    """Flatten a backbone's (possibly nested, e.g. DeiT's (cls, dist)) outputs into tensors."""
    if isinstance(outputs, (tuple, list)):
        return [t for o in outputs for t in as_list(o)]
    return [outputs]


class TinyTask(nn.Module):
    """A backbone plus a linear head on its pooled outputs, like a classifier."""

    def __init__(self, backbone: nn.Module, in_size: int) -> None:
        super().__init__()
        self.backbone = backbone
        with torch.no_grad():
            width = self.features(torch.zeros(1, 3, in_size, in_size)).shape[1]
        self.head = nn.Linear(width, 3)

    def features(self, x):
        outs = [o.mean((2, 3)) if o.dim() == 4 else o for o in as_list(self.backbone(x))]
        return torch.cat(outs, dim=1)

    def forward(self, x):
        return self.head(self.features(x))


def build(name, paradigm, **kwargs):
    cfg, size = BACKBONES[name]
    torch.manual_seed(0)
    return ProTuningBackbone(backbone=copy.deepcopy(cfg), paradigm=paradigm, **kwargs), size


# These backbones are narrow (16-64 channels): a wider SE squeeze keeps a dead ReLU from hiding a
# parameter from the "every trainable parameter changed" check.
WIDE_SE = dict(prompt_cfg=dict(se_reduction=4))


def batchnorm_state(module):
    return {n: b.clone() for n, b in module.named_buffers() if 'running' in n}


@pytest.mark.parametrize('paradigm', PARADIGMS)
@pytest.mark.parametrize('name', list(BACKBONES))
def test_adapter_paradigm_table(name, paradigm):
    wrapped, size = build(name, paradigm, **(WIDE_SE if 'protuning' in paradigm else {}))
    x = torch.rand(2, 3, size, size)

    # Same outputs (count, shapes, values) as the plain backbone with the same weights.
    plain = MODELS.build(copy.deepcopy(BACKBONES[name][0]))
    plain.load_state_dict(wrapped.backbone.state_dict())
    plain.eval(), wrapped.eval()
    with torch.no_grad():
        expected, got = as_list(plain(x)), as_list(wrapped(x))
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        assert g.shape == e.shape
        assert torch.equal(g, e), 'the wrapped model must equal the frozen one at init'

    # What is trainable follows the paradigm, by structure.
    prompt_params = {id(p) for p in wrapped.prompts.parameters()}
    backbone_trainable = [n for n, p in wrapped.backbone.named_parameters() if p.requires_grad]
    if paradigm in ('protuning', 'protuning+full'):
        assert len(wrapped.prompts) > 0 and all(p.requires_grad for p in wrapped.prompts.parameters())
    else:
        assert len(wrapped.prompts) == 0
    if paradigm in ('protuning', 'head'):
        assert backbone_trainable == []
    elif paradigm == 'partial-1':
        last = wrapped.trainable_backbone_modules()
        assert len(last) == 1
        assert {id(p) for p in wrapped.backbone.parameters() if p.requires_grad} == \
            {id(p) for p in last[0].parameters()}
    else:  # full / scratch / protuning+full: the backbone's own rules (e.g. mmdet frozen_stages)
        assert backbone_trainable
        if name == 'mmdet.ResNet':
            assert not any(n.startswith(('conv1', 'layer1.')) for n in backbone_trainable)

    # train() keeps frozen parts, BN included, in eval mode and returns the module.
    model = TinyTask(wrapped, size)
    assert model.train() is model
    trainable_modules = {id(m) for b in wrapped.trainable_backbone_modules() for m in b.modules()}
    for m in wrapped.backbone.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and paradigm in ('protuning', 'head'):
            assert not m.training
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and paradigm == 'partial-1' \
                and id(m) not in trainable_modules:
            assert not m.training
    assert all(m.training for m in wrapped.prompts.modules())

    # A few optimizer steps: exactly the trainable parameters change; frozen BN stats don't.
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    frozen_bn = batchnorm_state(wrapped.backbone) if paradigm in ('protuning', 'head') else {}
    # Tiny eps: Adam then moves every parameter that gets any gradient by ~lr, however deep and
    # random-initialised (vanishing) the path to it is.
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2, eps=1e-30)
    for _ in range(3):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), torch.tensor([0, 2])).backward()
        opt.step()
    changed = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert changed == trainable
    for n, b in frozen_bn.items():
        assert torch.equal(b, dict(wrapped.backbone.named_buffers())[n]), n
    assert prompt_params <= {id(p) for p in model.parameters() if p.requires_grad}


@pytest.mark.parametrize('name', list(BACKBONES))
def test_stage_reductions_match_a_forward(name):
    """Each StageSpec's reduction is its map's stride, checked like timm's FeatureInfo: size == input / reduction."""
    wrapped, size = build(name, 'protuning', positions='all')
    seen = {}

    def record(spec):
        def hook(module, args):  # returns None: the prompt's input stays as it is
            seen[spec] = args[0].shape
        return hook

    for spec in wrapped.adapter.stages():
        assert spec.reduction, f'{name}: {spec.name} declares no reduction'
        wrapped.prompts[spec.name.replace('.', '_')].register_forward_pre_hook(record(spec))
    wrapped.eval()
    with torch.no_grad():
        wrapped(torch.rand(1, 3, size, size))
    assert len(seen) == len(wrapped.adapter.stages())
    for spec, shape in seen.items():
        assert tuple(shape[1:]) == (spec.channels, size // spec.reduction, size // spec.reduction), spec


def test_layouts_are_a_str_enum():
    from protuning_mm.adapters import Layout, StageSpec
    assert Layout.TOKENS_HW == 'tokens_hw' and StageSpec('x', 8, 'tokens_hw').layout is Layout.TOKENS_HW
    assert StageSpec('x', 8).layout is Layout.NCHW
    assert StageSpec('x', 8, 'my_layout').layout == 'my_layout'  # an adapter of one's own may add layouts


def test_mobilenet_levels_follow_the_strides():
    wrapped, _ = build('mmpretrain.MobileNetV2', 'protuning')
    assert wrapped.adapter.presets()['levels'] == ([1, 2, 4, 6], 1)  # layer2/3/5/7: strides 4/8/16/32
    assert list(wrapped.prompts) == ['layer2', 'layer3', 'layer5', 'layer7']


def test_copy_hooks_the_copy():
    wrapped, size = build('mmpretrain.ResNet', 'protuning')
    clone = copy.deepcopy(wrapped)
    for p in clone.prompts.parameters():
        nn.init.normal_(p)
    x = torch.rand(1, 3, size, size)
    wrapped.eval(), clone.eval()
    assert not torch.equal(clone(x)[-1], wrapped(x)[-1])


@pytest.mark.parametrize('positions, blocks, expected', [
    (None, None, {'patch_embed': 1, 'layers_0': 1, 'layers_1': 1, 'layers_2': 1, 'layers_3': 1}),
    ('U5', None, {'patch_embed': 1, 'layers_0': 1, 'layers_1': 1, 'layers_2': 1, 'layers_3': 1}),
    ('F1', None, {'layers_0': 1}),
    ('F5', None, {'layers_0': 5}),
    ('L1', None, {'layers_3': 1}),
    ('L5', None, {'layers_3': 5}),
    ([2, 0], [3, 1], {'patch_embed': 1, 'layers_1': 3}),
])
def test_vit_positions(positions, blocks, expected):
    wrapped, _ = build('mmpretrain.VisionTransformer', 'protuning', positions=positions,
                       blocks_per_position=blocks)
    assert {k: len(v) for k, v in wrapped.prompts.items()} == expected


def test_blocks_per_position_stacks_blocks():
    wrapped, size = build('mmpretrain.ResNet', 'protuning', blocks_per_position=3)
    assert [len(v) for v in wrapped.prompts.values()] == [3, 3, 3, 3]


def test_prompt_cfg_overrides_adapter_defaults():
    wrapped, _ = build('mmpretrain.ResNet', 'protuning',
                       prompt_cfg=dict(kernel_size=7, beta_init=1.0, learnable_beta=False))
    block = wrapped.prompts['layer1'][0]
    assert block.dwconv.kernel_size == (7, 7) and float(block.beta) == 1.0
    assert not any(n.endswith('beta') for n, _ in wrapped.named_parameters())


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(paradigm='finetune'), ValueError, 'Unknown tuning paradigm .*partial-k'),
    (dict(paradigm='partial-0'), ValueError, 'Unknown tuning paradigm'),
    (dict(positions=[4]), ValueError, r'out of range.*0\.\.3 \(0=layer1'),
    (dict(positions='U5'), ValueError, "Unknown positions preset 'U5'"),
    (dict(positions=[1, 1]), ValueError, 'distinct'),
    (dict(blocks_per_position=[1, 2]), ValueError, 'blocks_per_position'),
    (dict(prompt_cfg=dict(kernal_size=3)), ValueError, r"Unknown prompt_cfg option\(s\) \['kernal_size'\]"),
    (dict(paradigmm='head'), TypeError, 'paradigmm'),
])
def test_bad_options_fail_clearly(kwargs, error, match):
    with pytest.raises(error, match=match):
        build('mmpretrain.ResNet', **{'paradigm': 'protuning', **kwargs})


def test_unknown_backbone_lists_supported_ones():
    with pytest.raises(TypeError, match='no adapter for .*LeNet5.*mmpretrain.models.backbones.ResNet'):
        ProTuningBackbone(backbone=dict(type='mmpretrain.LeNet5'))


def test_partial_k_larger_than_backbone():
    with pytest.raises(ValueError, match='only 8 blocks'):
        build('mmpretrain.ResNet', 'partial-9')


def test_scratch_drops_pretrained_weights(tmp_path):
    # A checkpoint the 'full' paradigm loads and 'scratch' must not.
    torch.manual_seed(1)
    ref = MODELS.build(dict(type='mmpretrain.ResNet', depth=18))
    ckpt = tmp_path / 'r18.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in ref.state_dict().items()}}, ckpt)
    cfg = dict(type='mmpretrain.ResNet', depth=18,
               init_cfg=dict(type='Pretrained', checkpoint=str(ckpt), prefix='backbone'))
    full = ProTuningBackbone(backbone=cfg, paradigm='full')
    scratch = ProTuningBackbone(backbone=cfg, paradigm='scratch')
    w = 'conv1.weight'
    assert torch.equal(full.backbone.state_dict()[w], ref.state_dict()[w])
    assert not torch.equal(scratch.backbone.state_dict()[w], ref.state_dict()[w])


def test_parent_init_cfg_cannot_overwrite_frozen_weights(tmp_path):
    # mmpretrain's ViT classifiers initialise every Linear of the model (backbone included) with
    # TruncNormal before the children's init_weights: the frozen pre-trained weights must survive.
    from mmpretrain.models import ImageClassifier  # noqa: F401  (registers mmpretrain's models)
    cfg, _ = BACKBONES['mmpretrain.VisionTransformer']
    torch.manual_seed(1)
    ref = MODELS.build(copy.deepcopy(cfg))
    ckpt = tmp_path / 'vit.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in ref.state_dict().items()}}, ckpt)
    inner = dict(copy.deepcopy(cfg), init_cfg=dict(type='Pretrained', checkpoint=str(ckpt), prefix='backbone'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # other tests may leave another scope set
        model = MODELS.build(dict(
            type='mmpretrain.ImageClassifier',
            backbone=dict(type='ProTuningBackbone', backbone=inner),
            head=dict(type='mmpretrain.LinearClsHead', num_classes=3, in_channels=64),
            init_cfg=[dict(type='TruncNormal', layer='Linear', std=.02)]))
    model.init_weights()
    for k, v in ref.state_dict().items():
        assert torch.equal(model.backbone.backbone.state_dict()[k], v), k
    assert all(float(b.conv2.weight.abs().sum()) == 0 for s in model.backbone.prompts.values() for b in s)


def test_compile_prompts_was_removed_and_says_what_to_do():
    """A config that still sets compile_prompts fails at build time and names the replacement."""
    cfg = dict(type='mmpretrain.ResNet', depth=18, out_indices=(3, ))
    with pytest.raises(ValueError, match=r'compile_prompts was removed.*compile = True'):
        ProTuningBackbone(backbone=cfg, positions=[2, 3], compile_prompts=True)


@pytest.mark.parametrize('grad', [False, True])
def test_whole_model_compiles_to_one_graph(grad):
    """``torch.compile`` of a Pro-tuned model traces it whole, in inference and in training: the prompt
    hooks and blocks break no graph (each break splits the compiled model and runs Python between the
    pieces), and the compiled model computes what the eager one computes."""
    torch.manual_seed(0)
    wrapped = ProTuningBackbone(backbone=dict(type='mmpretrain.ResNet', depth=18, out_indices=(2, 3)))
    with torch.no_grad():
        for name, p in wrapped.prompts.named_parameters():
            if 'conv2' in name:
                p.normal_(std=0.05)
    wrapped.train(grad)
    x = torch.randn(2, 3, 64, 64)
    torch._dynamo.reset()
    with torch.set_grad_enabled(grad):
        explained = torch._dynamo.explain(wrapped)(x)
        assert (explained.graph_count, explained.graph_break_count) == (1, 0), explained.break_reasons
        compiled, eager = torch.compile(wrapped, backend='eager')(x), wrapped(x)
    for a, b in zip(compiled, eager, strict=True):
        torch.testing.assert_close(a, b)


def assert_close_to_scale(got: torch.Tensor, expected: torch.Tensor, tol: float, msg: str = '') -> None:
    """Equal up to float rounding relative to the tensor's scale (the affine BatchNorm form rounds otherwise
    than the fused kernel, and a deep net carries that along)."""
    scale = float(expected.abs().max())
    torch.testing.assert_close(got, expected, rtol=tol, atol=tol * scale + 1e-7, msg=msg or None)


@pytest.mark.parametrize('with_cp', [False, True], ids=['plain', 'memory-mode'])
@pytest.mark.parametrize('name', list(BACKBONES))
def test_training_with_gradients_computes_what_the_layers_own_forwards_compute(name, with_cp):
    """The speed-up layer (``accel=True``: FrozenBatchNorm modules, recomputed prompted maps in memory mode,
    the fused in-place blend at CPU inference) against the reference path (``accel=False``, every layer on
    its class's forward, no checkpointing), same weights and inputs: trained prompts (non-zero), ``train()``,
    gradients flowing; outputs, the gradients of the prompts and of the input, BatchNorm statistics and
    state-dict keys; then the outputs without autograd in eval mode."""
    wrapped, size = build(name, 'protuning', with_cp=with_cp, accel=True, **WIDE_SE)
    torch.manual_seed(1)
    with torch.no_grad():
        for n, p in wrapped.prompts.named_parameters():
            if 'conv2' in n:
                p.normal_(std=0.05)
        for m in wrapped.backbone.modules():  # BatchNorm statistics and affine maps as trained ones have
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.normal_(std=0.1), m.running_var.uniform_(0.5, 2)
                if m.affine:
                    m.weight.normal_(1, 0.1), m.bias.normal_(std=0.1)
    reference, _ = build(name, 'protuning', accel=False, **WIDE_SE)
    assert list(reference.state_dict()) == list(wrapped.state_dict())
    reference.load_state_dict(wrapped.state_dict())
    reference.train()
    wrapped.train()
    assert not any('forward' in vars(m) for m in reference.backbone.modules())
    x = torch.rand(2, 3, size, size)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    torch.manual_seed(2)  # drop-path/dropout, if any, see the same draws (the frozen part is in eval anyway)
    got = as_list(wrapped(xa))
    torch.manual_seed(2)
    expected = as_list(reference(xb))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert_close_to_scale(g, e, 1e-5)
    torch.manual_seed(3)
    weights = [torch.randn_like(e) for e in expected]
    sum((g * w).sum() for g, w in zip(got, weights)).backward()
    sum((e * w).sum() for e, w in zip(expected, weights)).backward()
    assert_close_to_scale(xa.grad, xb.grad, 1e-4)
    for (n, a), (_, b) in zip(wrapped.prompts.named_parameters(), reference.prompts.named_parameters()):
        assert_close_to_scale(a.grad, b.grad, 1e-4, n)
    statistics, reference_statistics = batchnorm_state(wrapped), batchnorm_state(reference)
    assert statistics.keys() == reference_statistics.keys()
    for k in statistics:
        assert torch.equal(statistics[k], reference_statistics[k]), k
    assert list(reference.state_dict()) == list(wrapped.state_dict())
    with torch.no_grad():
        for g, e in zip(as_list(wrapped.eval()(x)), as_list(reference.eval()(x)), strict=True):
            assert_close_to_scale(g, e, 1e-5)
