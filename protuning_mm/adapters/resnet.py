"""ResNet-family adapter: mmpretrain ResNet/ResNetV1c/ResNetV1d (and subclasses such as ResNeXt),
mmdet ResNet/ResNetV1d, mmseg ResNet/ResNetV1c/ResNetV1d.

All of them keep the names of their four stages in ``res_layers``; a prompt block goes after each
stage (paper section 3.1), on the stage's NCHW output.
"""
from typing import List

import torch.nn as nn

from .base import BackboneAdapter, StageSpec, last_conv_channels, register_adapter
from .prompt_defaults import CNN_PROMPT_CFG


@register_adapter
class ResNetAdapter(BackboneAdapter):
    """Stages are the modules named in ``backbone.res_layers`` (``layer1`` ... ``layer4``)."""
    backbone_types = (
        'mmpretrain.models.backbones.ResNet',
        'mmdet.models.backbones.ResNet',
        'mmseg.models.backbones.ResNet',
    )
    default_prompt_cfg = CNN_PROMPT_CFG
    # Reduction of the stem: a stride-2 conv and a stride-2 max-pool in every ResNet variant.
    stem_reduction: int = 4

    def stages(self) -> List[StageSpec]:
        reduction, specs = self.stem_reduction, []
        for name, stride in zip(self.backbone.res_layers, self.backbone.strides):
            reduction *= stride  # a dilated stage (mmseg's ResNetV1c, stride 1) keeps the resolution
            specs.append(StageSpec(name, last_conv_channels(self.module(name)), reduction=reduction))
        return specs

    def blocks(self) -> List[nn.Module]:
        return [block for name in self.backbone.res_layers for block in self.module(name)]
