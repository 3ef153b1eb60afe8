"""Frozen BatchNorm as a module whose backward stores nothing but a per-channel scale.

An eval-mode BatchNorm with frozen weight and bias computes ``x * scale + shift`` (``scale = weight /
sqrt(running_var + eps)``, ``shift = bias - running_mean * scale``), yet autograd's ``native_batch_norm``
saves its input whenever a gradient flows through it, as it does through every frozen BatchNorm behind
the first prompt block. :class:`FrozenBatchNorm` computes ``addcmul(shift, x, scale)`` there.

:func:`freeze_batch_norm` swaps it in as timm's ``freeze_batch_norm_2d`` does, by exact class: only
classes whose ``forward`` is ``_BatchNorm.forward`` (``BatchNorm1d/2d/3d``, mmengine's ``_BatchNormXd``) or
``nn.SyncBatchNorm.forward`` (evaluated, the same normalisation; mmengine's ``SyncBatchNorm`` too). A
subclass with a forward of its own, such as timm's ``BatchNormAct2d`` (normalisation, drop, activation),
keeps it.
"""
from typing import List

import torch
import torch.nn as nn

__all__ = ['FrozenBatchNorm', 'freeze_batch_norm', 'plain_batch_norm']

_BatchNorm = nn.modules.batchnorm._BatchNorm


def _trains(norm: nn.Module) -> bool:
    return any(p.requires_grad for p in norm.parameters(recurse=False))


def plain_batch_norm(norm: nn.Module) -> bool:
    """Whether ``norm``'s class computes plain batch normalisation, so the affine form is exactly its forward."""
    # nn.SyncBatchNorm.forward: also mmengine's SyncBatchNorm, which every 'SyncBN' norm_cfg builds (a
    # subclass that changes only its input check).
    return type(norm).forward in (_BatchNorm.forward, nn.SyncBatchNorm.forward)


class FrozenBatchNorm(_BatchNorm):
    """A BatchNorm layer with frozen weight, bias and running statistics (inputs of rank 2 and more).

    It holds the replaced layer's own parameters and buffers (same names and tensors: the state dict,
    pretrained loading and an optimizer holding them are unchanged). In eval mode, on an input that needs
    a gradient, it computes ``addcmul(shift, x, scale)``; otherwise (no gradient, training mode, a
    trainable weight) what ``BatchNorm`` computes: in training mode with this process's batch statistics,
    unsynchronised for a replaced ``SyncBatchNorm`` (the wrappers keep frozen layers in eval mode).

    Examples:
        >>> bn = nn.BatchNorm2d(8).requires_grad_(False).eval()
        >>> frozen = FrozenBatchNorm.from_module(bn)
        >>> x = torch.randn(2, 8, 4, 4, requires_grad=True)
        >>> torch.allclose(frozen(x), bn(x))
        True
    """

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f'expected an input of 2 or more dimensions (got {input.dim()}D input)')

    @classmethod
    def from_module(cls, norm: _BatchNorm) -> 'FrozenBatchNorm':
        """A :class:`FrozenBatchNorm` on ``norm``'s own parameters and buffers."""
        frozen = cls(norm.num_features, norm.eps, norm.momentum, norm.affine, norm.track_running_stats)
        for name, tensor in [*norm.named_parameters(recurse=False), *norm.named_buffers(recurse=False)]:
            setattr(frozen, name, tensor)
        return frozen.train(norm.training)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if (not (torch.is_grad_enabled() and x.requires_grad)  # first: inference reads nothing else
                or self.training or self.running_mean is None or _trains(self)):
            return _BatchNorm.forward(self, x)
        with torch.no_grad():
            scale = torch.rsqrt(self.running_var + self.eps)
            shift = -self.running_mean * scale
            if self.weight is not None:
                scale = scale * self.weight
                shift = shift * self.weight
            if self.bias is not None:
                shift = shift + self.bias
            shape = (1, -1) + (1, ) * (x.dim() - 2)
            # In x's dtype, as the fused kernel returns it (fp16/bf16 under autocast).
            scale, shift = scale.view(shape).to(x.dtype), shift.view(shape).to(x.dtype)
        return torch.addcmul(shift, x, scale)


def freeze_batch_norm(module: nn.Module) -> List[str]:
    """Replace every plain BatchNorm layer of ``module`` whose weight and bias are frozen by a :class:`FrozenBatchNorm`.

    Subclasses with a forward of their own (timm's ``BatchNormAct2d``) keep it (:func:`plain_batch_norm`);
    layers already replaced are left as they are.

    Returns:
        list[str]: The names (relative to ``module``) of the layers replaced in this call.
    """
    replaced = []
    for name, child in list(module.named_modules()):
        for child_name, grandchild in list(child.named_children()):
            if plain_batch_norm(grandchild) and not _trains(grandchild):
                child.add_module(child_name, FrozenBatchNorm.from_module(grandchild))
                replaced.append(f'{name}.{child_name}' if name else child_name)
    return replaced
