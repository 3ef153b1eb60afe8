"""MobileNetV2 adapter (mmpretrain ``MobileNetV2``), used by the offline demo.

MobileNetV2's seven inverted-residual stages are named in ``backbone.layers`` (followed by the
final ``conv2``); prompts go after the stages that end a resolution (strides 4, 8, 16, 32), the
same four-level layout as ResNet.
"""
from typing import Dict, List, Optional, Tuple

import torch.nn as nn

from .base import BackboneAdapter, StageSpec, last_conv_channels, register_adapter, stride_of
from .prompt_defaults import CNN_PROMPT_CFG


@register_adapter
class MobileNetV2Adapter(BackboneAdapter):
    """Candidate positions: ``layer1`` ... ``layer7``; default: after layer2, 3, 5 and 7."""
    backbone_types = ('mmpretrain.models.backbones.MobileNetV2', )
    default_prompt_cfg = CNN_PROMPT_CFG
    default_positions = 'levels'

    def _layer_names(self) -> List[str]:
        return [name for name in self.backbone.layers if name.startswith('layer')]

    def stages(self) -> List[StageSpec]:
        # The stem conv's stride, then each layer's stride (its arch setting: expand, channels, blocks, stride).
        reduction, specs = stride_of(self.backbone.conv1.conv), []
        for name, setting in zip(self._layer_names(), self.backbone.arch_settings):
            reduction *= setting[3]
            specs.append(StageSpec(name, last_conv_channels(self.module(name)), reduction=reduction))
        return specs

    def blocks(self) -> List[nn.Module]:
        return [block for name in self._layer_names() for block in self.module(name)]

    def presets(self) -> Dict[str, Tuple[Optional[List[int]], int]]:
        # The layers that end a resolution of stride 4 or more (layer2/3/5/7: strides 4/8/16/32), the
        # four levels a ResNet has; the stride-2 layer1 is part of the stem there.
        reductions = [spec.reduction for spec in self.stages()]
        levels = [i for i, r in enumerate(reductions)
                  if r >= 4 and (i + 1 == len(reductions) or reductions[i + 1] != r)]
        return {'all': (None, 1), 'levels': (levels, 1)}
