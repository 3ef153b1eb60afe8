"""Vision Transformer / DeiT adapter (mmpretrain ``VisionTransformer`` and its subclasses, e.g.
``DistilledVisionTransformer``, ``DeiT3``, ``ViTEVA02``, and the DINOv2 archs ``dinov2-s``/``-b``/...).

Candidate positions are 0 = after the patch embedding and i = after transformer layer i
(1-based), so a 12-layer DeiT has positions 0..12. Presets follow paper Table 9: ``U5`` (default:
0 and layers 3, 6, 9, 12), ``F1``/``F5`` (one/five blocks after the first layer), ``L1``/``L5``
(after the last layer).

Prompt blocks work on the patch tokens viewed as a map. The extra (class/distillation/register)
tokens get the spatial mean of the same prompt: otherwise a block after the last layer could not
reach a ``cls_token`` head at all (no gradient, and DDP would need ``find_unused_parameters``).
A layer's output is hooked as the layer returns it: after its layer scale (DINOv2) and residual,
before the backbone's final norm. The token grid is read from the patch embedding on every
forward, so inputs of another size than ``img_size`` (dense tasks; the backbone interpolates its
position embedding) are prompted on their own grid.
"""
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from .base import BackboneAdapter, Layout, Rebuild, StageSpec, map_to_tokens, register_adapter, stride_of, tokens_to_map
from .prompt_defaults import TRANSFORMER_PROMPT_CFG


def vit_presets(depth: int) -> Dict[str, Tuple[Optional[List[int]], int]]:
    """Paper Table 9's position sets for a plain ViT of ``depth`` layers (position 0: patch embedding)."""
    return {
        'all': (None, 1),
        'U5': ([0, depth // 4, depth // 2, 3 * depth // 4, depth], 1),
        'F1': ([1], 1),
        'F5': ([1], 5),
        'L1': ([depth], 1),
        'L5': ([depth], 5),
    }


def unpack_vit_tokens(tokens: torch.Tensor, n_extra: int, hw: Sequence[int]) -> Tuple[torch.Tensor, Rebuild]:
    """View ``[B, n_extra + H*W, C]`` tokens as the patch map; the rebuild gives the extra tokens the
    prompt's spatial mean.

    Args:
        tokens (torch.Tensor): A ViT layer's output, extra (class/register) tokens first.
        n_extra (int): How many extra tokens lead the sequence.
        hw (Sequence[int]): The patch grid of this forward.

    Returns:
        tuple: The ``[B, C, H, W]`` patch map and the function that builds the tokens from a new map.
    """
    extra, patches = tokens[:, :n_extra], tokens[:, n_extra:]
    fmap = tokens_to_map(patches, hw)

    def rebuild(y: torch.Tensor) -> torch.Tensor:
        delta = (y - fmap).mean((2, 3)).unsqueeze(1)
        return torch.cat([extra + delta, map_to_tokens(y)], dim=1)

    return fmap, rebuild


@register_adapter
class ViTAdapter(BackboneAdapter):
    """Positions: ``patch_embed`` then ``layers.0`` ... ``layers.{L-1}``."""
    backbone_types = ('mmpretrain.models.backbones.VisionTransformer', )
    default_prompt_cfg = TRANSFORMER_PROMPT_CFG
    default_positions = 'U5'

    def stages(self) -> List[StageSpec]:
        c, patch = self.backbone.embed_dims, stride_of(self.backbone.patch_embed.projection)
        return [StageSpec('patch_embed', c, Layout.TOKENS_HW, patch)] + [
            StageSpec(f'layers.{i}', c, Layout.VIT_TOKENS, patch) for i in range(len(self.backbone.layers))
        ]

    def blocks(self) -> List[nn.Module]:
        return list(self.backbone.layers)

    def presets(self) -> Dict[str, Tuple[Optional[List[int]], int]]:
        return vit_presets(len(self.backbone.layers))

    def context_modules(self) -> List[str]:
        return ['patch_embed']

    def record_context(self, name: str, output: Any, ctx: Dict[str, Any]) -> None:
        ctx['patch_resolution'] = output[1]  # PatchEmbed returns (tokens, (H, W))

    def unpack(self, spec: StageSpec, output: Any, ctx: Dict[str, Any]) -> Tuple[torch.Tensor, Rebuild]:
        if spec.layout != Layout.VIT_TOKENS:
            return super().unpack(spec, output, ctx)
        return unpack_vit_tokens(output, self.backbone.num_extra_tokens, ctx['patch_resolution'])
