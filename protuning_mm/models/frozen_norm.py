"""Frozen BatchNorm as the per-channel affine map it is, so that backward stores nothing for it.

A BatchNorm layer in eval mode whose weight and bias are frozen computes
``y = x * scale + shift`` with ``scale = weight / sqrt(running_var + eps)`` and
``shift = bias - running_mean * scale``. Autograd's ``native_batch_norm`` nonetheless saves its
input ``x`` whenever a gradient flows through it (it could be asked for the weight's gradient).
Behind the first prompt block every frozen BatchNorm of the backbone is in that position, so
Pro-tuning stored one map per BatchNorm (ResNet-50: 53 of them) that the backward never reads.
Written as ``addcmul(shift, x, scale)`` with constant ``scale`` and ``shift``, the backward needs
only ``scale``: Pro-tuning's peak training memory for ResNet-50 at batch 8 fell from 0.74x to
0.56x of full fine-tuning's (docs/benchmarks.md), for the same gradients.

The layers stay what they are (same class, parameters, buffers and state dict); only their
``forward`` attribute is set, and it falls back to the class's own forward whenever the
affine form would not be exact or would not help: in training mode, with trainable weight or
bias, without running statistics, or when no gradient flows (evaluation runs the fused kernel).
The wrappers set it only while they train (``SharedBackbone.update_frozen_norms``).

Only layers whose class computes plain batch normalisation get it: classes whose ``forward`` is
``_BatchNorm.forward`` itself (``BatchNorm1d/2d/3d``, mmengine's ``_BatchNormXd``) and
``nn.SyncBatchNorm`` (which, evaluated, normalises with the running statistics as they do).
A subclass with a forward of its own, such as timm's ``BatchNormAct2d`` (normalisation, then
drop and activation, in EfficientNets, MobileNetV3 and timm's RegNets), is never given one: the
affine form would skip whatever its forward adds.
"""
from functools import partial
from typing import List

import torch
import torch.nn as nn

__all__ = ['frozen_norm_forward', 'plain_batch_norm', 'use_frozen_norm_forward']


def _trains(norm: nn.Module) -> bool:
    return any(p.requires_grad for p in norm.parameters(recurse=False))


def plain_batch_norm(norm: nn.Module) -> bool:
    """Whether ``norm``'s class computes plain batch normalisation, so the affine form is exactly its forward."""
    cls = type(norm)
    return cls.forward is nn.modules.batchnorm._BatchNorm.forward or cls is nn.SyncBatchNorm


def _is_frozen(norm: nn.modules.batchnorm._BatchNorm) -> bool:
    return not norm.training and norm.track_running_stats and norm.running_mean is not None and not _trains(norm)


def frozen_norm_forward(norm: nn.modules.batchnorm._BatchNorm, x: torch.Tensor) -> torch.Tensor:
    """``norm(x)``; for a frozen eval-mode layer on a gradient path, as ``addcmul(shift, x, scale)``.

    Args:
        norm (nn.modules.batchnorm._BatchNorm): The layer (its parameters and running statistics).
        x (torch.Tensor): The input, ``(N, C, ...)``.
    """
    if not (torch.is_grad_enabled() and x.requires_grad and plain_batch_norm(norm) and _is_frozen(norm)):
        return type(norm).forward(norm, x)
    with torch.no_grad():
        scale = torch.rsqrt(norm.running_var + norm.eps)
        shift = -norm.running_mean * scale
        if norm.weight is not None:
            scale = scale * norm.weight
            shift = shift * norm.weight
        if norm.bias is not None:
            shift = shift + norm.bias
        shape = (1, -1) + (1, ) * (x.dim() - 2)
        # In x's dtype, as the fused kernel returns it (fp16/bf16 under autocast).
        scale, shift = scale.view(shape).to(x.dtype), shift.view(shape).to(x.dtype)
    return torch.addcmul(shift, x, scale)


def use_frozen_norm_forward(module: nn.Module) -> List[nn.Module]:
    """Give every plain BatchNorm layer of ``module`` with frozen weight and bias :func:`frozen_norm_forward`.

    Subclasses with a forward of their own (timm's ``BatchNormAct2d``) keep it (see :func:`plain_batch_norm`).

    Layers whose ``forward`` is already set on the instance (by this function or someone else)
    are left alone, so calling it again (e.g. after ``revert_sync_batchnorm`` replaced layers) only
    reaches the new ones. Whether the affine form is used is decided per call (see the module
    docstring), so a layer that is unfrozen or put in training mode later computes as before.

    Returns:
        list[nn.Module]: The layers that got the forward in this call.
    """
    done = []
    for m in module.modules():
        if plain_batch_norm(m) and 'forward' not in vars(m) and not _trains(m):
            m.forward = partial(frozen_norm_forward, m)
            done.append(m)
    return done
