"""``torch.ops.protuning.scaled_conv_add_``: :func:`.fused_blend.scaled_conv_add_` as a custom operator.

It declares its write into ``x``, so that ``torch.compile`` calls it on inductor's own stage buffer (no copy,
no fresh map) and fuses the rest of the block around it. ``torch.export`` never sees it
(:func:`.fused_blend.applies` is False while exporting): AOTInductor's C++ runtime cannot run a Python operator.
Imported by :mod:`protuning_mm.accel` when a wrapper turns the layer on.
"""
import torch

from .fused_blend import scaled_conv_add_

# flexible_layout: inductor passes its channels-last maps as they are.
scaled_conv_add_op = torch.library.custom_op('protuning::scaled_conv_add_', mutates_args=('x', ),
                                             tags=(torch.Tag.flexible_layout, ))(scaled_conv_add_)


@scaled_conv_add_op.register_fake
def _(x: torch.Tensor, h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, scale: torch.Tensor) -> None:
    return None
