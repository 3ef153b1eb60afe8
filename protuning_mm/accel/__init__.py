"""The speed-up layer: what exists only for speed or memory, behind one switch. It changes how, never what,
the reference path (``models/``) computes (same outputs, gradients, BatchNorm statistics and state dict):

* frozen BatchNorm layers become :class:`~.frozen_norm.FrozenBatchNorm` modules, whose backward stores no input;
* in memory mode a prompted map is recomputed, not stored, by the block it enters (:mod:`.recompute`);
* at CPU inference a stage's prompt blocks write into the stage output with fused oneDNN convolutions,
  inside ``torch.compile`` too (:mod:`.fused_blend`, :mod:`.compiled_op`); never under export or tracing.

The switch, like timm's ``use_fused_attn()``: ``ProTuningBackbone(accel=...)``; unset, :func:`set_accel`'s
value, else the ``PROTUNING_ACCEL`` environment variable (``0``/``1``), else on. It needs torch
:data:`MIN_TORCH`; below that it is off and asking for it is an error. A wrapper reads it when it is built.
"""
import os
import sys
from typing import Any, Optional

import torch

from ..models.protuning_backbone import ProTuningBackbone

__all__ = ['use_accel', 'set_accel', 'MIN_TORCH', 'ENV_VAR']

ENV_VAR = 'PROTUNING_ACCEL'
MIN_TORCH = (2, 7)  # custom_op, get_autocast_dtype (2.4); torch.compiler.is_exporting (in 2.7's docs)
_override: Optional[bool] = None


def torch_supports() -> bool:
    """Whether this torch is :data:`MIN_TORCH` or later."""
    return tuple(int(p) for p in torch.__version__.split('+')[0].split('.')[:2]) >= MIN_TORCH


def use_accel() -> bool:
    """Whether wrappers built without an explicit ``accel`` use the speed-up layer (module doc)."""
    wanted = _override if _override is not None else os.environ.get(ENV_VAR, '1') != '0'
    return wanted and torch_supports()


def set_accel(enable: Optional[bool]) -> None:
    """Set the default of wrappers built from now on; None goes back to ``PROTUNING_ACCEL``."""
    global _override
    _override = enable


def resolve(accel: Optional[bool]) -> bool:
    """``accel`` as given, or :func:`use_accel` for None; True on a torch older than :data:`MIN_TORCH` is an error."""
    if accel and not torch_supports():
        raise ValueError(f'ProTuningBackbone(accel=True) needs torch {".".join(map(str, MIN_TORCH))} or '
                         f'later; this is torch {torch.__version__}. Leave accel unset or False.')
    return use_accel() if accel is None else bool(accel)


def attach(wrapper: ProTuningBackbone) -> None:
    """Set a wrapper up (called where its ``accel`` is on): frozen BatchNorm layers become FrozenBatchNorm."""
    from . import compiled_op  # noqa: F401  (registers torch.ops.protuning.scaled_conv_add_)
    if wrapper.paradigm.freezes_backbone:
        frozen_norm.freeze_batch_norm(wrapper.backbone)


def prompt_stage(wrapper: ProTuningBackbone, stage: torch.nn.Module, prompt: torch.nn.Sequential,
                 fmap: torch.Tensor, args: tuple, output: Any) -> Optional[torch.Tensor]:
    """The stage's prompted map by a faster route, or None where none applies (the wrapper's own then)."""
    if wrapper.with_cp:
        return recompute.prompted_and_marked(prompt, fmap)
    if fused_blend.owns_for_in_place(wrapper, stage, prompt, fmap, output, args):
        return fused_blend.prompt_in_place(prompt, fmap)
    return None


if torch_supports():  # the implementation modules use the newer APIs above
    from . import frozen_norm, fused_blend, recompute
    from .recompute import checkpointed_call  # noqa: F401  (the blocks' checkpointed forward in memory mode)
ProTuningBackbone.accelerator = sys.modules[__name__]
