"""frozen_norm_forward: a frozen eval-mode BatchNorm as addcmul(shift, x, scale) while gradients flow.

Same outputs and input gradients as the layer's own forward, nothing stored for backward but the
per-channel scale, the layer's own forward wherever the affine form would not be exact, and a
Pro-tuning model whose frozen backbone stores less for the same gradients.
"""
import copy
from functools import partial

import pytest
import torch
import torch.nn as nn

from protuning_mm.models import ProTuningBackbone
from protuning_mm.models.frozen_norm import frozen_norm_forward, use_frozen_norm_forward


def frozen_bn(channels: int = 8, affine: bool = True) -> nn.BatchNorm2d:
    torch.manual_seed(0)
    bn = nn.BatchNorm2d(channels, affine=affine)
    with torch.no_grad():
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.5, 2)
        if affine:
            bn.weight.normal_()
            bn.bias.normal_()
    return bn.requires_grad_(False).eval()


def saved_bytes(fn, x: torch.Tensor, weights: nn.Module = nn.Module()) -> int:
    """Bytes autograd stores for backward while ``fn(x)`` runs, not counting ``weights``' tensors."""
    total = 0
    own = {t.data_ptr() for t in [*weights.parameters(), *weights.buffers()]}

    def pack(t):
        nonlocal total
        if t.data_ptr() not in own:
            total += t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn(x)
    return total


@pytest.mark.parametrize('channels_last', [False, True])
@pytest.mark.parametrize('affine', [True, False])
def test_same_output_and_input_gradient_nothing_stored(channels_last, affine):
    bn = frozen_bn(affine=affine)
    x = torch.randn(4, 8, 6, 5)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    x.requires_grad_()
    expected = bn(x)
    got = frozen_norm_forward(bn, x)
    torch.testing.assert_close(got, expected)
    assert got.is_contiguous(memory_format=torch.channels_last) == channels_last
    grad = torch.randn_like(got)
    torch.testing.assert_close(torch.autograd.grad(got, x, grad)[0], torch.autograd.grad(expected, x, grad)[0])
    assert saved_bytes(bn, x) >= x.numel() * 4  # the fused kernel keeps its input
    assert saved_bytes(partial(frozen_norm_forward, bn), x) <= 8 * 4  # the affine form: the scale only


def test_own_forward_where_the_affine_form_does_not_apply():
    x = torch.randn(4, 8, 3, 3, requires_grad=True)
    training = frozen_bn().train()
    frozen_norm_forward(training, x)
    assert training.num_batches_tracked == 1  # batch statistics, running ones updated
    trainable = frozen_bn().requires_grad_(True)
    frozen_norm_forward(trainable, x).sum().backward()
    assert trainable.weight.grad is not None
    bn = frozen_bn()
    with torch.no_grad():  # evaluation: the fused kernel (same values)
        torch.testing.assert_close(frozen_norm_forward(bn, x), bn(x), rtol=0, atol=0)


def test_narrow_input_keeps_its_dtype():
    bn = frozen_bn()
    x = torch.randn(2, 8, 4, 4, dtype=torch.bfloat16, requires_grad=True)
    assert frozen_norm_forward(bn, x).dtype == torch.bfloat16


def test_installed_only_on_frozen_layers_and_once():
    model = nn.Sequential(frozen_bn(), nn.BatchNorm2d(8), frozen_bn())
    done = use_frozen_norm_forward(model)
    assert done == [model[0], model[2]]
    assert use_frozen_norm_forward(model) == []
    clone = copy.deepcopy(model)
    assert clone[0].forward.args[0] is clone[0]  # a copy computes with its own statistics


def test_protuning_gradients_unchanged_and_less_stored():
    """A Pro-tuned ResNet in training mode (frozen BN in eval): the same loss and trained gradients
    as with the layers' own forward, and less kept for backward."""
    torch.manual_seed(0)
    model = ProTuningBackbone(backbone=dict(type='mmpretrain.ResNet', depth=18), prompt_cfg=dict(se_reduction=4))
    with torch.no_grad():
        for p in model.prompts.parameters():
            if p.dim() > 1:
                p.normal_(std=0.05)
    own = copy.deepcopy(model).train()
    model.train()
    norms = [m for m in own.backbone.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in norms:
        del m.forward
    x = torch.randn(2, 3, 64, 64)

    def step(net):
        net.zero_grad()
        loss = net(x)[-1].square().mean()
        loss.backward()
        return loss, {n: p.grad for n, p in net.named_parameters() if p.requires_grad}

    (loss, grads), (own_loss, own_grads) = step(model), step(own)
    torch.testing.assert_close(loss, own_loss)
    assert grads.keys() == own_grads.keys() and grads
    for k in grads:
        torch.testing.assert_close(grads[k], own_grads[k], rtol=1e-4, atol=1e-6)
    stored = saved_bytes(lambda t: model(t)[-1].sum(), x, model)
    own_stored = saved_bytes(lambda t: own(t)[-1].sum(), x, own)
    # 0.79 here: the BatchNorm inputs behind the first prompt go; conv and prompt inputs stay.
    assert stored < 0.85 * own_stored, (stored, own_stored)
