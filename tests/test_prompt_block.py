import pytest
import torch

from protuning_mm.models import PromptBlock
from protuning_mm.models.prompt_block import _Blend


@pytest.mark.parametrize('se_position', ['output', 'hidden', 'none'])
@pytest.mark.parametrize('kernel_size', [3, 5, 7])
def test_identity_at_init_and_shape(se_position, kernel_size):
    block = PromptBlock(32, kernel_size=kernel_size, se_position=se_position)
    x = torch.randn(2, 32, 9, 7)
    assert torch.equal(block(x), x)
    assert block.dwconv.kernel_size == (kernel_size, kernel_size)
    assert block.dwconv.groups == block.hidden_channels == 8


def test_blend_is_x_plus_beta_prompt():
    torch.manual_seed(0)
    block = PromptBlock(16, beta_init=0.5)
    torch.nn.init.normal_(block.conv2.weight)
    x = torch.randn(1, 16, 5, 5)
    prompt = block.prompt(x)
    assert prompt.abs().sum() > 0
    torch.testing.assert_close(block(x), x + 0.5 * prompt)


def test_beta_learnable_or_fixed():
    learnable = PromptBlock(16)
    assert any(p is learnable.beta for p in learnable.parameters())
    fixed = PromptBlock(16, beta_init=4.0, learnable_beta=False)
    assert all(p is not fixed.beta for p in fixed.parameters())
    assert float(fixed.beta) == 4.0 and 'beta' in fixed.state_dict()


def test_init_weights_keeps_identity():
    block = PromptBlock(16, init_cfg=dict(type='Kaiming', layer='Conv2d'))
    block.init_weights()
    x = torch.randn(1, 16, 4, 4)
    assert torch.equal(block(x), x)


def test_every_part_trains_after_a_few_steps():
    torch.manual_seed(0)
    block = PromptBlock(16, se_position='output')
    before = {n: p.detach().clone() for n, p in block.named_parameters()}
    opt = torch.optim.Adam(block.parameters(), lr=1e-2)
    x, target = torch.randn(4, 16, 6, 6), torch.randn(4, 16, 6, 6)
    for _ in range(3):
        opt.zero_grad()
        torch.nn.functional.mse_loss(block(x), target).backward()
        opt.step()
    unchanged = [n for n, p in block.named_parameters() if torch.equal(p, before[n])]
    assert unchanged == []


@pytest.mark.parametrize('kwargs, match', [
    (dict(se_position='middle'), 'se_position'),
    (dict(kernel_size=4), 'kernel_size'),
])
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PromptBlock(16, **kwargs)


@pytest.mark.parametrize('se_position', ['output', 'hidden', 'none'])
@pytest.mark.parametrize('learnable_beta', [True, False])
def test_fused_blend_matches_the_written_out_formula(se_position, learnable_beta):
    """forward() fuses gate, beta and the add; it must compute x + beta * f(x) with and without autograd."""
    torch.manual_seed(0)
    block = PromptBlock(32, se_position=se_position, beta_init=0.7, learnable_beta=learnable_beta)
    torch.nn.init.normal_(block.conv2.weight, std=0.1)
    x = torch.randn(2, 32, 6, 5)
    with torch.no_grad():
        expected = x + block.beta * block.prompt(x)
        inference = block(x)
    torch.testing.assert_close(inference, expected)
    training = block(x)
    torch.testing.assert_close(training, expected)
    assert training.requires_grad


def test_blend_gradients_match_the_written_out_formula():
    torch.manual_seed(0)
    fused = PromptBlock(16, beta_init=0.5)
    torch.nn.init.normal_(fused.conv2.weight, std=0.1)
    x = torch.randn(3, 16, 5, 5, requires_grad=True)
    fused(x).square().sum().backward()
    fused_grads = {n: p.grad.clone() for n, p in fused.named_parameters()}
    fused_x = x.grad.clone()
    fused.zero_grad()
    x.grad = None
    (x + fused.beta * fused.prompt(x)).square().sum().backward()
    for n, p in fused.named_parameters():
        torch.testing.assert_close(fused_grads[n], p.grad, msg=n)
    torch.testing.assert_close(fused_x, x.grad)


@pytest.mark.parametrize('scale_shape', [(3, 4, 1, 1), ()])
@pytest.mark.parametrize('channels_last', [False, True])
def test_blend_backward_is_the_derivative(scale_shape, channels_last):
    """The blend's own backward (the scale's gradient summed per sample) against finite differences."""
    def tensor(*shape):
        t = torch.randn(shape, dtype=torch.double)
        if channels_last and t.dim() == 4 and shape[-1] > 1:
            t = t.contiguous(memory_format=torch.channels_last)
        return t.requires_grad_()

    x, y, scale = tensor(3, 4, 5, 6), tensor(3, 4, 5, 6), tensor(*scale_shape)
    assert torch.autograd.gradcheck(_Blend.apply, (x, y, scale))
    assert torch.autograd.gradcheck(_Blend.apply, (x.detach(), y, scale.detach()))  # y alone


def test_channels_last_stays_channels_last_and_input_is_untouched():
    block = PromptBlock(32).to(memory_format=torch.channels_last)
    torch.nn.init.normal_(block.conv2.weight, std=0.1)
    x = torch.randn(2, 32, 8, 8).contiguous(memory_format=torch.channels_last)
    before = x.clone()
    with torch.no_grad():
        out = block(x)
    assert out.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(x, before) and not torch.equal(out, x)


def test_se_gate_is_its_convolutions_on_the_squeezed_map():
    """The gate runs its two 1x1 convs as matrix products on their own weights: same result as the convs."""
    torch.manual_seed(0)
    se = PromptBlock(64, se_position='output').se_output
    x = torch.randn(3, 64, 5, 4)
    by_convs = torch.sigmoid(se.fc2(se.act(se.fc1(x.mean((2, 3), keepdim=True)))))
    torch.testing.assert_close(se.gate(x), by_convs)
    torch.testing.assert_close(se(x), x * by_convs)
