"""Swin Transformer adapter: mmpretrain, mmdet and mmseg ``SwinTransformer``.

Prompts go after each of the four stages as the original Swin defines them (``BasicLayer``: blocks
*then* patch merging), so stage i < 3 is prompted on the output of its patch merging
(channels 2C) and the last stage on its block output (192/384/768/768 for Swin-S;
docs/design.md, 'Parameter targets').
mmdet/mmseg take their dense features *before* merging, so there the prompt of stage i reaches
the head through stage i+1, exactly as in the original Swin.
"""
from typing import List

import torch.nn as nn

from .base import BackboneAdapter, Layout, StageSpec, register_adapter, stride_of
from .prompt_defaults import TRANSFORMER_PROMPT_CFG


@register_adapter
class SwinAdapter(BackboneAdapter):
    """Stages: ``stages.{i}.downsample`` for stages with patch merging, else ``stages.{i}``."""
    backbone_types = (
        'mmpretrain.models.backbones.SwinTransformer',
        'mmdet.models.backbones.SwinTransformer',
        'mmseg.models.backbones.SwinTransformer',
    )
    default_prompt_cfg = TRANSFORMER_PROMPT_CFG

    def stages(self) -> List[StageSpec]:
        specs = []
        reduction = stride_of(self.backbone.patch_embed.projection)
        for i, stage in enumerate(self.backbone.stages):
            if stage.downsample is not None:
                reduction *= stride_of(stage.downsample.sampler)  # patch merging (nn.Unfold)
                specs.append(StageSpec(f'stages.{i}.downsample', stage.downsample.out_channels, Layout.TOKENS_HW,
                                       reduction))
            else:
                norms = [m for m in stage.modules() if isinstance(m, nn.LayerNorm)]
                specs.append(StageSpec(f'stages.{i}', norms[-1].normalized_shape[0], Layout.TOKENS_HW, reduction))
        return specs

    def blocks(self) -> List[nn.Module]:
        return [block for stage in self.backbone.stages for block in stage.blocks]
