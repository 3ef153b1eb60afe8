"""timm adapter: any timm CNN wrapped by mmpretrain's ``TIMMBackbone``.

timm describes every model's stages as data (``feature_info``: module name, channels, reduction);
this adapter reads that table, so all timm models whose stage modules output NCHW maps work
(ResNets, RegNets, ConvNeXt, EfficientNets, MobileNets...).
"""
from typing import Any, Dict, List, Tuple

import torch
import torch.nn as nn

from .base import BackboneAdapter, Layout, Rebuild, StageSpec, register_adapter
from .prompt_defaults import CNN_PROMPT_CFG


@register_adapter
class TimmAdapter(BackboneAdapter):
    """Stages are the modules listed in ``timm_model.feature_info``."""
    backbone_types = ('mmpretrain.models.backbones.TIMMBackbone', )
    default_prompt_cfg = CNN_PROMPT_CFG

    @property
    def _model(self) -> nn.Module:
        return self.backbone.timm_model

    def _module_name(self, name: str) -> str:
        # features_only models flatten nested names ('stages.1' -> 'stages_1').
        for candidate in (name, name.replace('.', '_')):
            try:
                self._model.get_submodule(candidate)
                return 'timm_model.' + candidate
            except AttributeError:
                continue
        raise ValueError(f'timm feature module {name!r} not found in {type(self._model).__name__}.')

    def stages(self) -> List[StageSpec]:
        info = self._model.feature_info
        dicts = info.get_dicts() if hasattr(info, 'get_dicts') else list(info)
        # Stem entries (reduction 2, e.g. 'act1') are not stages of the paper's kind.
        return [StageSpec(self._module_name(d['module']), d['num_chs'], Layout.TIMM_NCHW, d['reduction'])
                for d in dicts if d['reduction'] >= 4]

    def blocks(self) -> List[nn.Module]:
        return [self.module(spec.name) for spec in self.stages()]

    def unpack(self, spec: StageSpec, output: Any, ctx: Dict[str, Any]) -> Tuple[torch.Tensor, Rebuild]:
        if not (isinstance(output, torch.Tensor) and output.dim() == 4 and output.shape[1] == spec.channels):
            raise TypeError(
                f'timm stage {spec.name} returned {type(output).__name__} '
                f'{tuple(getattr(output, "shape", ()))}, not an NCHW map with {spec.channels} channels. '
                'Only timm models with NCHW stage outputs are supported; for ViT/Swin use the '
                'mmpretrain VisionTransformer/SwinTransformer backbones.')
        return output, lambda y: y
