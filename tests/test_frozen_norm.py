"""FrozenBatchNorm (speed-up layer): a frozen eval-mode BatchNorm as addcmul(shift, x, scale) while gradients flow.

Same outputs and input gradients as the layer it replaces, nothing stored for backward but the
per-channel scale, BatchNorm's own computation wherever the affine form would not be exact, the same
state dict, only plain BatchNorm classes replaced, and a Pro-tuning model whose frozen backbone stores
less for the same gradients.
"""
import copy
from functools import partial

import pytest
import torch
import torch.nn as nn
from mmengine.registry import MODELS

from protuning_mm.accel.frozen_norm import FrozenBatchNorm, freeze_batch_norm
from protuning_mm.models import ProTuningBackbone


def frozen_norm_forward(norm: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """What ``norm`` computes once swapped for a FrozenBatchNorm (on its own tensors)."""
    return FrozenBatchNorm.from_module(norm)(x)


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


def test_swapped_only_for_frozen_layers_and_once_with_the_same_tensors_and_state_dict():
    model = nn.Sequential(frozen_bn(), nn.BatchNorm2d(8), frozen_bn(), nn.Sequential(frozen_bn()))
    before = dict(model.state_dict(keep_vars=True))
    assert freeze_batch_norm(model) == ['0', '2', '3.0']
    assert freeze_batch_norm(model) == []
    assert [type(m) for m in model.modules()][1:] == [FrozenBatchNorm, nn.BatchNorm2d, FrozenBatchNorm, nn.Sequential,
                                                      FrozenBatchNorm]
    after = model.state_dict(keep_vars=True)
    assert list(after) == list(before) and all(after[k] is before[k] for k in before)  # the very tensors
    assert isinstance(model[0].weight, nn.Parameter) and not model[0].weight.requires_grad
    clone = copy.deepcopy(model)
    assert clone[0].running_mean is not model[0].running_mean  # a copy computes with its own statistics


def test_protuning_gradients_unchanged_and_less_stored():
    """A Pro-tuned ResNet in training mode (frozen BN in eval): the same loss and trained gradients
    as with the layers' own forward, and less kept for backward."""
    torch.manual_seed(0)
    model = ProTuningBackbone(backbone=dict(type='mmpretrain.ResNet', depth=18), prompt_cfg=dict(se_reduction=4),
                              accel=True)
    with torch.no_grad():
        for p in model.prompts.parameters():
            if p.dim() > 1:
                p.normal_(std=0.05)
    torch.manual_seed(0)
    own = ProTuningBackbone(backbone=dict(type='mmpretrain.ResNet', depth=18), prompt_cfg=dict(se_reduction=4),
                            accel=False).train()
    own.load_state_dict(model.state_dict())
    model.train()
    assert any(isinstance(m, FrozenBatchNorm) for m in model.modules())
    assert not any(isinstance(m, FrozenBatchNorm) for m in own.modules())
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


# timm models of each norm style: BatchNormAct2d with ReLU6/ReLU/SiLU/hard-swish after the norm
# (EfficientNet-Lite, MobileNetV3, EfficientNet, timm RegNet), plain BatchNorm2d (ResNet) and
# LayerNorm (ConvNeXt, no BatchNorm at all).
TIMM_NORM_STYLES = ['tf_efficientnet_lite0', 'mobilenetv3_small_100', 'efficientnet_b0', 'regnetx_002', 'resnet18',
                    'convnext_atto']


def timm_cfg(model_name: str) -> dict:
    return dict(type='mmpretrain.TIMMBackbone', model_name=model_name, features_only=True, pretrained=False)


def timm_wrapper(model_name: str, paradigm: str, **kwargs) -> ProTuningBackbone:
    torch.manual_seed(0)
    return ProTuningBackbone(backbone=timm_cfg(model_name), paradigm=paradigm, **{'accel': True, **kwargs})


def assert_maps_close(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        # Random-init running statistics let some of these nets reach 1e5: compare relative to the map.
        torch.testing.assert_close(g, e, rtol=1e-5, atol=1e-5 * float(e.abs().max()) + 1e-6)


def test_only_plain_batch_norm_classes_are_replaced():
    from mmengine.model.utils import _BatchNormXd
    from mmengine.utils.dl_utils.parrots_wrapper import SyncBatchNorm
    from timm.layers import BatchNormAct2d
    model = nn.Sequential(nn.BatchNorm2d(4), BatchNormAct2d(4), nn.SyncBatchNorm(4), _BatchNormXd(4),
                          nn.BatchNorm1d(4), SyncBatchNorm(4)).requires_grad_(False).eval()
    act = model[1]
    assert freeze_batch_norm(model) == ['0', '2', '3', '4', '5']
    assert model[1] is act and type(act) is BatchNormAct2d  # its own forward (activation included) stays
    x = torch.randn(2, 4, 3, 3, requires_grad=True)
    assert float(model[1](x).detach().min()) >= 0
    x1 = torch.randn(3, 4, requires_grad=True)  # BatchNorm1d's input, through the replacement
    torch.testing.assert_close(model[4](x1), nn.functional.batch_norm(
        x1, model[4].running_mean, model[4].running_var, model[4].weight, model[4].bias, False, 0., model[4].eps))


def test_syncbn_configs_get_frozen_batch_norm_before_the_runner_reverts_syncbn():
    """norm_cfg=dict(type='SyncBN') (every mmseg config, mmdet's HTC/Cascade) builds mmengine's SyncBatchNorm
    subclass; its frozen layers are swapped at construction, so the Runner's revert_sync_batchnorm (single
    process) leaves them FrozenBatchNorm. (Until this was tested, they were not: UperNet R-50's Pro-tuning
    step peaked 234 MiB higher.)"""
    from mmengine.model import revert_sync_batchnorm
    cfg = dict(type='mmseg.ResNetV1c', depth=18, norm_cfg=dict(type='SyncBN'))
    torch.manual_seed(0)
    model = revert_sync_batchnorm(ProTuningBackbone(backbone=dict(cfg), accel=True))
    norms = [m for m in model.backbone.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert norms and all(type(m) is FrozenBatchNorm for m in norms)
    # And computes what the layers' own forward computes, in train() with gradients flowing: the same weights
    # (pretrained-like BatchNorm statistics, prompts that act) through the reverted SyncBN of the plain path.
    with torch.no_grad():
        for m in norms:
            m.running_mean.normal_(std=0.1)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.normal_(1.0, 0.1)
            m.bias.normal_(std=0.1)
        for n, p in model.prompts.named_parameters():
            if 'conv2' in n:
                p.normal_(std=0.05)
    own = revert_sync_batchnorm(ProTuningBackbone(backbone=dict(cfg), accel=False))
    own.load_state_dict(model.state_dict())
    assert not any(isinstance(m, FrozenBatchNorm) for m in own.modules())
    x = torch.randn(2, 3, 64, 64)
    outs = []
    for m in (model.train(), own.train()):
        xi = x.clone().requires_grad_()
        out = m(xi)
        sum((o ** 2).mean() for o in out).backward()
        outs.append((out, xi.grad, {n: p.grad for n, p in m.prompts.named_parameters()}))
    (out, gx, gp), (ref, gx_ref, gp_ref) = outs
    assert_maps_close(out, ref)
    assert_maps_close([gx, *gp.values()], [gx_ref, *gp_ref.values()])


@pytest.mark.parametrize('with_cp', [False, True], ids=['plain', 'memory-mode'])
@pytest.mark.parametrize('paradigm', ['head', 'protuning'])
@pytest.mark.parametrize('model_name', TIMM_NORM_STYLES)
def test_timm_models_train_with_gradients_as_their_frozen_selves(model_name, paradigm, with_cp):
    """In train() with gradients flowing, the wrapped model at init computes what the frozen model
    computes (its layers' own forwards, fused norm-activations included): outputs and input gradients.
    (Between 5d94147 and the fix, BatchNormAct2d lost its activation here: max |diff| up to 1e5.)"""
    wrapped = timm_wrapper(model_name, paradigm, with_cp=with_cp)
    plain = MODELS.build(timm_cfg(model_name))
    plain.load_state_dict(wrapped.backbone.state_dict())
    plain.requires_grad_(False)
    plain.eval()  # (TIMMBackbone.train returns None)
    wrapped.train()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        no_grad = wrapped(x)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    got, expected = wrapped(xa), plain(xb)
    assert_maps_close(got, expected)
    assert_maps_close(got, no_grad)
    torch.manual_seed(1)
    weights = [torch.randn_like(e) / e.detach().abs().max().clamp(min=1) for e in expected]
    grad_got, = torch.autograd.grad(sum((g * w).sum() for g, w in zip(got, weights)), xa)
    grad_expected, = torch.autograd.grad(sum((e * w).sum() for e, w in zip(expected, weights)), xb)
    assert_maps_close([grad_got], [grad_expected])


def calibrate_norms(backbone: nn.Module, size: int = 64) -> None:
    """Running statistics from data (cumulative averages over a few batches), as a pre-trained network
    has them: a random-init net with mean 0 / var 1 statistics is far off scale."""
    norms = [m for m in backbone.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
        m.train()
    torch.manual_seed(2)
    with torch.no_grad():
        for _ in range(3):
            backbone(torch.rand(8, 3, size, size))
    for m in norms:
        m.momentum = 0.1
        m.eval()


@pytest.mark.parametrize('model_name', TIMM_NORM_STYLES)
def test_protuning_steps_on_a_pretrained_like_timm_backbone_stay_on_scale(model_name):
    """A few AdamW steps of Pro-tuning (gradients through the frozen network) against head retraining on
    the same calibrated backbone: equal loss at step 0, and finite losses and prompt gradient norms of
    the order of the head's (with the norms' activations dropped, the first step's norm was ~6e10)."""
    x, labels = torch.rand(4, 3, 64, 64), torch.tensor([0, 1, 2, 0])
    runs = {}
    for paradigm in ('head', 'protuning'):
        backbone = timm_wrapper(model_name, paradigm)
        calibrate_norms(backbone.backbone)
        torch.manual_seed(3)
        head = nn.Linear(backbone.backbone.timm_model.feature_info.channels()[-1], 3)
        backbone.train()
        params = [*head.parameters(), *(p for p in backbone.parameters() if p.requires_grad)]
        opt = torch.optim.AdamW(params, lr=1e-3)
        losses, head_norms, prompt_norms = [], [], []
        for _ in range(4):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(head(backbone(x)[-1].mean((2, 3))), labels)
            loss.backward()
            losses.append(loss.item())
            head_norms.append(float(torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in head.parameters()]))))
            grads = [p.grad.flatten() for p in backbone.prompts.parameters() if p.grad is not None]
            prompt_norms.append(float(torch.linalg.vector_norm(torch.cat(grads))) if grads else 0.0)
            opt.step()
        runs[paradigm] = losses, head_norms, prompt_norms
    (head_losses, head_norms, _), (losses, pro_head_norms, prompt_norms) = runs['head'], runs['protuning']
    assert losses[0] == pytest.approx(head_losses[0], rel=1e-5)  # identity at step 0
    assert pro_head_norms[0] == pytest.approx(head_norms[0], rel=1e-4)
    assert all(map(torch.isfinite, torch.tensor(losses + prompt_norms)))
    assert max(losses) < 2 * max(head_losses) + 1
    assert prompt_norms[0] > 0 and max(prompt_norms) < 100 * max(head_norms), (prompt_norms, head_norms)
