"""ConvNeXt adapter (mmpretrain ``ConvNeXt``, V1 and V2: V2 is the same class with ``use_grn=True``;
mmdet and mmseg configs use it as ``mmpretrain.ConvNeXt``).

ConvNeXt has four stages, each a downsampling layer (the patchify stem, then LayerNorm + a stride-2
conv) followed by a ``Sequential`` of blocks; a prompt block goes after each stage's blocks, on its
NCHW output, before the output norm (``norm{i}``) that only the returned features go through, so
the prompted map both continues to the next stage and reaches the head. The blocks' layer scale
(``gamma``) is part of the frozen stage. ConvNeXt's topology is a CNN's, so it takes the CNN prompt
defaults (as a timm ConvNeXt through :class:`TimmAdapter` does).
"""
from typing import List

import torch.nn as nn

from .base import BackboneAdapter, StageSpec, register_adapter, stride_of
from .prompt_defaults import CNN_PROMPT_CFG


@register_adapter
class ConvNeXtAdapter(BackboneAdapter):
    """Stages are ``stages.0`` ... ``stages.3`` (channels e.g. 96/192/384/768 for ConvNeXt-T)."""
    backbone_types = ('mmpretrain.models.backbones.ConvNeXt', )
    default_prompt_cfg = CNN_PROMPT_CFG

    def stages(self) -> List[StageSpec]:
        reduction, specs = 1, []
        for i, (down, channels) in enumerate(zip(self.backbone.downsample_layers, self.backbone.channels)):
            reduction *= stride_of(next(m for m in down.modules() if isinstance(m, nn.Conv2d)))
            specs.append(StageSpec(f'stages.{i}', channels, reduction=reduction))
        return specs

    def blocks(self) -> List[nn.Module]:
        return [block for stage in self.backbone.stages for block in stage]
