"""timm adapters: timm models wrapped by mmpretrain's ``TIMMBackbone``.

CNNs (:class:`TimmAdapter`): timm describes every model's stages as data (``feature_info``: module
name, channels, reduction); the adapter reads that table, so all timm models whose stage modules
output NCHW maps work (ResNets, RegNets, ConvNeXt(-V2), EfficientNets, MobileNets...).

Plain ViTs (:class:`TimmViTAdapter`): timm ``VisionTransformer`` (DeiT, DINOv2, with or without
register tokens) and ``Eva`` (EVA-02), with or without ``features_only`` (timm then wraps the model in
a ``FeatureGetterNet`` that calls its ``forward_intermediates``). Positions and presets are those of
the mmpretrain ViT adapter (``patch_embed``, then after each block; U5 by default, paper Table 9):
the patch tokens are prompted as a map, the prefix (class and register) tokens stay in the sequence
and get the prompt's spatial mean, as in :mod:`.vit`.
"""
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn as nn

from .base import BackboneAdapter, Layout, Rebuild, StageSpec, import_class, register_adapter
from .prompt_defaults import CNN_PROMPT_CFG, TRANSFORMER_PROMPT_CFG
from .vit import unpack_vit_tokens, vit_presets

# timm's plain-ViT classes (subclasses included): patch_embed, blocks, num_prefix_tokens, forward_intermediates.
TIMM_VIT_CLASSES = ('timm.models.vision_transformer.VisionTransformer', 'timm.models.eva.Eva')


def _timm_vit(backbone: nn.Module) -> Optional[Tuple[str, nn.Module]]:
    """The plain timm ViT inside a ``TIMMBackbone`` and its name there, or None for other models."""
    classes = tuple(c for c in (import_class(p, imported_only=True) for p in TIMM_VIT_CLASSES) if c is not None)
    model = getattr(backbone, 'timm_model', None)
    # features_only ViTs are a FeatureGetterNet (an nn.ModuleDict) holding the model as 'model'.
    for name, candidate in (('timm_model', model), ('timm_model.model', getattr(model, 'model', None))):
        if classes and isinstance(candidate, classes):
            return name, candidate
    return None


@register_adapter
class TimmAdapter(BackboneAdapter):
    """Stages are the modules listed in ``timm_model.feature_info``."""
    backbone_types = ('mmpretrain.models.backbones.TIMMBackbone', )
    default_prompt_cfg = CNN_PROMPT_CFG

    @classmethod
    def accepts(cls, backbone: nn.Module) -> bool:
        return _timm_vit(backbone) is None  # plain ViTs: TimmViTAdapter

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
                'Supported timm models are those with NCHW stage outputs and the plain ViTs '
                f'({", ".join(TIMM_VIT_CLASSES)}); for Swin use mmpretrain/mmdet/mmseg SwinTransformer.')
        return output, lambda y: y


@register_adapter
class TimmViTAdapter(BackboneAdapter):
    """Positions: ``<vit>.patch_embed`` then ``<vit>.blocks.0`` ... (``<vit>`` = ``timm_model`` or,
    with ``features_only``, ``timm_model.model``)."""
    backbone_types = ('mmpretrain.models.backbones.TIMMBackbone', )
    default_prompt_cfg = TRANSFORMER_PROMPT_CFG
    default_positions = 'U5'

    def __init__(self, backbone: nn.Module) -> None:
        super().__init__(backbone)
        found = _timm_vit(backbone)
        if found is None:
            raise TypeError(f'{type(self).__name__}: no timm VisionTransformer/Eva in {type(backbone).__name__}.')
        self._prefix, self._vit = found

    @classmethod
    def accepts(cls, backbone: nn.Module) -> bool:
        return _timm_vit(backbone) is not None

    def stages(self) -> List[StageSpec]:
        vit, c = self._vit, self._vit.embed_dim
        patch = vit.patch_embed.feat_ratio()
        # The patch embedding returns [B, H*W, C], or [B, H, W, C] when the model has dynamic_img_size.
        embed_layout = Layout.VIT_TOKENS if getattr(vit.patch_embed, 'flatten', True) else Layout.NHWC
        return [StageSpec(f'{self._prefix}.patch_embed', c, embed_layout, patch)] + [
            StageSpec(f'{self._prefix}.blocks.{i}', c, Layout.VIT_TOKENS, patch) for i in range(len(vit.blocks))
        ]

    def blocks(self) -> List[nn.Module]:
        return list(self._vit.blocks)

    def presets(self) -> Dict[str, Tuple[Optional[List[int]], int]]:
        return vit_presets(len(self._vit.blocks))

    def context_modules(self) -> List[str]:
        return [f'{self._prefix}.patch_embed']

    def record_context(self, name: str, output: Any, ctx: Dict[str, Any]) -> None:
        if output.dim() == 4:  # [B, H, W, C] (dynamic_img_size)
            ctx['patch_resolution'] = tuple(output.shape[1:3])
            return
        grid = tuple(self._vit.patch_embed.grid_size)  # a fixed input size: the grid of img_size
        if grid[0] * grid[1] != output.shape[1]:
            raise ValueError(f'timm {type(self._vit).__name__}: {output.shape[1]} patch tokens do not form the '
                             f'{grid[0]}x{grid[1]} grid of its img_size; for inputs of other sizes build it with '
                             'dynamic_img_size=True.')
        ctx['patch_resolution'] = grid

    def unpack(self, spec: StageSpec, output: Any, ctx: Dict[str, Any]) -> Tuple[torch.Tensor, Rebuild]:
        if spec.layout != Layout.VIT_TOKENS:
            return super().unpack(spec, output, ctx)
        # The patch embedding's tokens come before the prefix tokens are prepended.
        n_prefix = 0 if spec.name.endswith('.patch_embed') else self._vit.num_prefix_tokens
        return unpack_vit_tokens(output, n_prefix, ctx['patch_resolution'])
