"""ResNet-family adapter: mmpretrain ResNet/ResNetV1c/ResNetV1d (and subclasses such as ResNeXt),
mmdet ResNet/ResNetV1d, mmseg ResNet/ResNetV1c/ResNetV1d.

All of them keep the names of their four stages in ``res_layers``; a prompt block goes after each
stage (paper section 3.1), on the stage's NCHW output.
"""
from typing import List

import torch.nn as nn

from .base import BackboneAdapter, StageSpec, last_conv_channels, register_adapter

# Defaults that land on the paper's parameter counts for CNNs (~0.645 C^2 per block, docs/design.md):
# inner width C/4, SE on the C-wide output.
CNN_PROMPT_CFG = dict(hidden_ratio=0.25, se_position='output', se_reduction=16)


@register_adapter
class ResNetAdapter(BackboneAdapter):
    """Stages are the modules named in ``backbone.res_layers`` (``layer1`` ... ``layer4``)."""
    backbone_types = (
        'mmpretrain.models.backbones.ResNet',
        'mmdet.models.backbones.ResNet',
        'mmseg.models.backbones.ResNet',
    )
    default_prompt_cfg = CNN_PROMPT_CFG

    def stages(self) -> List[StageSpec]:
        return [StageSpec(name, last_conv_channels(self.module(name))) for name in self.backbone.res_layers]

    def blocks(self) -> List[nn.Module]:
        return [block for name in self.backbone.res_layers for block in self.module(name)]
