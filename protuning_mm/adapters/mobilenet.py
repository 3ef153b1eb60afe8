"""MobileNetV2 adapter (mmpretrain ``MobileNetV2``), used by the offline demo.

MobileNetV2's seven inverted-residual stages are named in ``backbone.layers`` (followed by the
final ``conv2``); prompts go after the stages that end a resolution (strides 4, 8, 16, 32), the
same four-level layout as ResNet.
"""
from typing import Dict, List, Optional, Tuple

import torch.nn as nn

from .base import BackboneAdapter, StageSpec, last_conv_channels, register_adapter
from .resnet import CNN_PROMPT_CFG


@register_adapter
class MobileNetV2Adapter(BackboneAdapter):
    """Candidate positions: ``layer1`` ... ``layer7``; default: after layer2, 3, 5 and 7."""
    backbone_types = ('mmpretrain.models.backbones.MobileNetV2', )
    default_prompt_cfg = CNN_PROMPT_CFG
    default_positions = 'levels'

    def _layer_names(self) -> List[str]:
        return [name for name in self.backbone.layers if name.startswith('layer')]

    def stages(self) -> List[StageSpec]:
        return [StageSpec(name, last_conv_channels(self.module(name))) for name in self._layer_names()]

    def blocks(self) -> List[nn.Module]:
        return [block for name in self._layer_names() for block in self.module(name)]

    def presets(self) -> Dict[str, Tuple[Optional[List[int]], int]]:
        # layer2/3/5/7 end the stride-4/8/16/32 levels of MobileNetV2.
        return {'all': (None, 1), 'levels': ([1, 2, 4, 6], 1)}
