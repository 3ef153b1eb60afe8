"""The speed-up layer's in-place CPU inference (fused oneDNN convolutions) against the block's own forward."""
import pytest
import torch
import torch.nn as nn

import protuning_mm.accel.fused_blend as fused_blend
from protuning_mm.accel.fused_blend import fused_ops_available, prompt_in_place
from protuning_mm.models import PromptBlock, ProTuningBackbone

pytestmark = pytest.mark.skipif(not fused_ops_available(), reason='this PyTorch has no oneDNN fused convolutions')


def trained_block(channels=64, **kwargs):
    """A block whose last conv is no longer zero (a fresh one is the identity)."""
    torch.manual_seed(0)
    block = PromptBlock(channels, beta_init=0.7, **kwargs).eval()
    for p in block.parameters():
        nn.init.normal_(p, std=0.1)
    return block


@pytest.mark.parametrize('channels_last', [False, True])
@pytest.mark.parametrize('n', [1, 3])
@pytest.mark.parametrize('se_position', ['output', 'none'])
@pytest.mark.parametrize('act', ['GELU', 'ReLU'])
def test_in_place_blend_matches_the_eager_forward(channels_last, n, se_position, act):
    block = trained_block(se_position=se_position, act_cfg=dict(type=act))
    x = torch.randn(n, 64, 9, 9)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        expected = block(x)
        target = x.clone()
        out = prompt_in_place(nn.Sequential(block), target)
    assert out is target  # written into the caller's map, no new one
    assert out.is_contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
    assert not torch.equal(out, x)


def test_fresh_block_stays_the_exact_identity_in_place():
    block = PromptBlock(64).eval()
    x = torch.randn(2, 64, 9, 9)
    target = x.clone()
    with torch.no_grad():
        assert torch.equal(prompt_in_place(nn.Sequential(block), target), x)


FALLBACK_BLOCKS = {
    'norm': dict(norm_cfg=dict(type='BN')),
    'se-hidden': dict(se_position='hidden'),
    'tanh-gelu': dict(act_cfg=dict(type='GELU', approximate='tanh')),
}


@pytest.mark.parametrize('case', ['grad', 'not-asked', 'hooked', 'small-map', 'norm', 'se-hidden', 'tanh-gelu',
                                  'float64'])
def test_falls_back_to_the_eager_forward_and_leaves_x_alone(case):
    block = trained_block(**FALLBACK_BLOCKS.get(case, {}))
    size = 4 if case == 'small-map' else 9  # 16 positions, not more than the 16 hidden channels
    x = torch.randn(2, 64, size, size, dtype=torch.float64 if case == 'float64' else torch.float32)
    block = block.to(x.dtype)
    if case == 'hooked':
        block.register_forward_hook(lambda module, args, output: None)
    target = x.clone()
    with torch.set_grad_enabled(case == 'grad'):
        out = block(target) if case == 'not-asked' else prompt_in_place(nn.Sequential(block), target)
        expected = block(x)
    assert out is not target and torch.equal(target, x)
    torch.testing.assert_close(out, expected)


def resnet_wrapper(accel=True, **kwargs):
    torch.manual_seed(0)
    wrapped = ProTuningBackbone(backbone=dict(type='mmpretrain.ResNet', depth=18, out_indices=(0, 1, 2, 3)),
                                accel=accel, **kwargs).eval()
    for block in wrapped.prompts.modules():
        if isinstance(block, PromptBlock):
            nn.init.normal_(block.conv2.weight, std=0.05)
    return wrapped


def blended_in_place(monkeypatch, wrapped, x, forward=None):
    """The shapes of the maps that a no-grad forward of ``wrapped`` (or ``forward``, e.g. its compiled
    version) blends in place, in order; its outputs are checked against the autograd forward's (the
    eager path everywhere)."""
    expected = [o.detach() for o in wrapped(x)]
    calls = []
    blend_into_ = fused_blend.blend_into_

    def counted(block, fmap):
        calls.append(tuple(fmap.shape))
        return blend_into_(block, fmap)

    monkeypatch.setattr(fused_blend, 'blend_into_', counted)
    with torch.no_grad():
        outs = (wrapped if forward is None else forward)(x)
    for out, exp in zip(outs, expected, strict=True):
        torch.testing.assert_close(out, exp, rtol=1e-5, atol=1e-5)
    return calls


@pytest.mark.parametrize('blocks', [1, 2])
def test_wrapper_prompts_resnet_stage_outputs_in_place_under_no_grad(monkeypatch, blocks):
    wrapped = resnet_wrapper(blocks_per_position=blocks)
    calls = blended_in_place(monkeypatch, wrapped, torch.randn(2, 3, 64, 64))
    # Stages 1-2 (16x16 and 8x8 maps, 16 and 32 hidden channels) run fused; 3-4 (4x4, 2x2) do not.
    assert calls == [(2, 64, 16, 16)] * blocks + [(2, 128, 8, 8)] * blocks


def test_torch_compile_runs_the_in_place_blend_on_the_stage_maps_without_copies(monkeypatch):
    """Compiled for inference (freezing, as docs/distributed-and-cost.md recommends), the fused stages call
    the custom operator on inductor's own stage buffers: no clone or copy of a map for it, the same outputs."""
    from torch._inductor.utils import run_and_get_code
    wrapped = resnet_wrapper()
    x = torch.randn(2, 3, 64, 64)
    with torch._inductor.config.patch(freezing=True):
        calls = blended_in_place(monkeypatch, wrapped, x, forward=torch.compile(wrapped))
    assert calls == [(2, 64, 16, 16), (2, 128, 8, 8)]  # traced where the eager forward takes it
    torch._dynamo.reset()
    with torch.no_grad(), torch._inductor.config.patch(freezing=True):
        _, (code, ) = run_and_get_code(torch.compile(wrapped), x)
    calls = [line.strip() for line in code.splitlines() if 'protuning.scaled_conv_add_.default(' in line]
    assert len(calls) == 2 and 'clone' not in code and 'copy_' not in code


def test_export_keeps_the_portable_operators():
    """torch.export (AOTInductor's input) must not hold the Python operator its C++ runtime cannot run."""
    wrapped = resnet_wrapper()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = wrapped(x)
        program = torch.export.export(wrapped, (x, ))
        outs = program.module()(x)
    targets = {str(node.target) for node in program.graph.nodes if node.op == 'call_function'}
    assert not any('protuning' in t or 'mkldnn' in t for t in targets) and any('gelu' in t for t in targets)
    for out, exp in zip(outs, expected, strict=True):
        torch.testing.assert_close(out, exp, rtol=1e-5, atol=1e-5)


def test_flop_counts_and_traced_graphs_see_the_eager_operators():
    from mmengine.analysis import get_model_complexity_info

    def flops(model, x):
        return get_model_complexity_info(model, inputs=(x, ), show_table=False, show_arch=False)['flops']

    wrapped = resnet_wrapper()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        traced = torch.jit.trace(wrapped, x)
        assert flops(wrapped, x) == flops(resnet_wrapper(accel=False), x) > 0  # the reference path
    kinds = {node.kind() for node in traced.inlined_graph.nodes()}
    assert not any(kind.startswith('mkldnn::') for kind in kinds) and 'aten::gelu' in kinds


@pytest.mark.parametrize('where', ['stage', 'global'])
def test_a_hook_that_saw_the_stage_output_first_keeps_what_it_saw(where):
    # A hook that runs before the wrapper's (prepended on the stage, or a global one) may keep the
    # stage output: the prompts must then not write into it.
    wrapped = resnet_wrapper()
    stage = wrapped.backbone.layer1
    seen = []

    def keep(module, args, output):
        if module is stage:
            seen.append((output, output.clone()))

    if where == 'stage':
        handle = stage.register_forward_hook(keep, prepend=True)
    else:
        handle = nn.modules.module.register_module_forward_hook(keep)
    try:
        with torch.no_grad():
            prompted = wrapped(torch.randn(2, 3, 64, 64))[0]
    finally:
        handle.remove()
    (kept, copy_when_seen), = seen
    assert torch.equal(kept, copy_when_seen)
    assert not torch.equal(prompted, copy_when_seen)  # the prompts did act on the stage output


def test_another_tasks_prompt_hook_first_on_a_shared_backbone_still_allows_in_place(monkeypatch):
    first, second = resnet_wrapper(), resnet_wrapper()
    nn.init.normal_(second.prompts['layer1'][0].conv2.weight, std=0.05)  # differs from the first task's
    second.share_backbone(first)  # its hooks run after the first wrapper's on every stage
    second.activate()
    assert blended_in_place(monkeypatch, second, torch.randn(2, 3, 64, 64)) == [(2, 64, 16, 16), (2, 128, 8, 8)]
