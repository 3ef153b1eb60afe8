"""Per-architecture adapters: which modules end a backbone's stages and how to read them."""
from .base import BackboneAdapter, Layout, StageSpec, get_adapter, register_adapter, supported_backbones
from .convnext import ConvNeXtAdapter
from .mobilenet import MobileNetV2Adapter
from .regnet import RegNetAdapter
from .resnet import ResNetAdapter
from .swin import SwinAdapter
from .timm import TimmAdapter, TimmViTAdapter
from .vit import ViTAdapter

__all__ = [
    'BackboneAdapter', 'Layout', 'StageSpec', 'get_adapter', 'register_adapter', 'supported_backbones',
    'ResNetAdapter', 'RegNetAdapter', 'MobileNetV2Adapter', 'SwinAdapter', 'ViTAdapter',
    'ConvNeXtAdapter', 'TimmAdapter', 'TimmViTAdapter'
]
