"""RegNet adapter (mmpretrain and mmdet RegNet, e.g. RegNetX-32GF in the paper).

RegNet subclasses ResNet upstream and keeps its stage names in ``res_layers`` too; it has its own
adapter so that it is listed as supported and can diverge without touching ResNet's.
"""
from .base import register_adapter
from .resnet import ResNetAdapter


@register_adapter
class RegNetAdapter(ResNetAdapter):
    """Stages are ``res_layers`` (four stages, widths e.g. 336/672/1344/2520 for RegNetX-32GF)."""
    backbone_types = (
        'mmpretrain.models.backbones.RegNet',
        'mmdet.models.backbones.RegNet',
    )
    stem_reduction = 2  # RegNet's stem is one stride-2 conv, without ResNet's max-pool
