"""What the wrapper needs to know about a backbone family, described as data.

An adapter names the modules whose outputs end the backbone's stages (the places a prompt block
can go), their channel counts, and how to view each output as an NCHW map and put a new map back.
This follows timm's ``feature_info`` + ``FeatureHooks`` design: the backbone's own forward runs
unchanged and the wrapper attaches forward hooks to the named modules.
"""
import importlib
import sys
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, ClassVar, Dict, List, Optional, Sequence, Tuple, Type, Union

import torch
import torch.nn as nn

# A function that puts a new NCHW map back into the stage module's output structure.
Rebuild = Callable[[torch.Tensor], Any]


class Layout(str, Enum):
    """How a stage module's output is structured (a ``str`` enum: ``Layout.NCHW == 'nchw'``).

    Attributes:
        NCHW: A ``[B, C, H, W]`` tensor.
        TOKENS_HW: ``(tokens[B, H*W, C], (H, W), ...)``, as Swin stages and patch embed/merging return.
        VIT_TOKENS: ``[B, extra + H*W, C]`` tokens of a ViT layer (grid size from the patch embedding).
        TIMM_NCHW: A timm feature module's output, checked to be NCHW with the declared channels.
        NHWC: A ``[B, H, W, C]`` tensor (channels last, e.g. timm's patch embedding with
            ``dynamic_img_size=True``).
    """
    NCHW = 'nchw'
    TOKENS_HW = 'tokens_hw'
    VIT_TOKENS = 'vit_tokens'
    TIMM_NCHW = 'timm_nchw'
    NHWC = 'nhwc'


@dataclass(frozen=True)
class StageSpec:
    """One place a prompt block can be attached (like one entry of timm's ``FeatureInfo``).

    Attributes:
        name (str): Dotted path of the module (inside the backbone) whose output is prompted.
        channels (int): Channels of that output.
        layout (Layout | str): How the output is structured, interpreted by the adapter's ``unpack``.
            A known string becomes its :class:`Layout`; an adapter of your own may use another string
            and handle it in its ``unpack``.
        reduction (int, optional): The output's stride w.r.t. the input image (4 = a quarter of the
            input's height and width), as timm's ``feature_info`` reports it. None if unknown; every
            built-in adapter sets it (tests/test_protuning_backbone.py checks it against a forward).
    """
    name: str
    channels: int
    layout: Union[Layout, str] = Layout.NCHW
    reduction: Optional[int] = None

    def __post_init__(self) -> None:
        if self.layout in Layout._value2member_map_:
            object.__setattr__(self, 'layout', Layout(self.layout))  # frozen dataclass: set it once here


class BackboneAdapter:
    """Base adapter. Subclasses list the backbone classes they handle and describe their stages.

    Class attributes:
        backbone_types: Import paths (``'package.module.Class'``) of the backbone classes handled;
            a path whose package is not installed is skipped.
        default_prompt_cfg: :class:`PromptBlock` defaults for this family.
        presets: Named position sets: name -> (stage indices or None for all, blocks per position).
        default_positions: The preset used when the config gives none.
    """
    backbone_types: ClassVar[Tuple[str, ...]] = ()
    default_prompt_cfg: ClassVar[Dict[str, Any]] = {}
    default_positions: ClassVar[str] = 'all'

    def __init__(self, backbone: nn.Module) -> None:
        self.backbone = backbone

    @classmethod
    def accepts(cls, backbone: nn.Module) -> bool:
        """Whether this adapter handles ``backbone``, one of its ``backbone_types``.

        For wrapper classes whose content decides the layout (mmpretrain's ``TIMMBackbone`` holds a
        CNN or a ViT); other adapters accept every instance of their classes.
        """
        return True

    # -- description of the backbone -------------------------------------------------------------
    def stages(self) -> List[StageSpec]:
        """All candidate prompt positions, in forward order."""
        raise NotImplementedError

    def blocks(self) -> List[nn.Module]:
        """The backbone's blocks in forward order; ``partial-k`` trains the last k of them."""
        raise NotImplementedError

    def presets(self) -> Dict[str, Tuple[Optional[List[int]], int]]:
        """Named position sets: name -> (stage indices, or None for all; blocks per position)."""
        return {'all': (None, 1)}

    # -- runtime ---------------------------------------------------------------------------------
    def context_modules(self) -> List[str]:
        """Modules whose outputs :meth:`record_context` must see on every forward."""
        return []

    def record_context(self, name: str, output: Any, ctx: Dict[str, Any]) -> None:
        """Record per-forward facts (e.g. a token grid size) from module ``name`` into ``ctx``."""

    def unpack(self, spec: StageSpec, output: Any, ctx: Dict[str, Any]) -> Tuple[torch.Tensor, Rebuild]:
        """View a stage module's output as an NCHW map.

        Args:
            spec (StageSpec): The stage the output belongs to.
            output (Any): What the stage module returned.
            ctx (dict): Facts recorded during this forward by :meth:`context_hooks`.

        Returns:
            tuple: The NCHW map and a function that builds the module's output from a new map.
        """
        if spec.layout == Layout.NCHW:
            return output, lambda y: y
        if spec.layout == Layout.TOKENS_HW:
            # (tokens[B, L, C], (H, W), ...) as returned by Swin stages and patch embed/merging.
            return unpack_tokens_hw(output)
        if spec.layout == Layout.NHWC:
            return output.permute(0, 3, 1, 2), lambda y: y.permute(0, 2, 3, 1)
        raise NotImplementedError(f'{type(self).__name__} has no unpack for layout {spec.layout!r}')

    # -- helpers ---------------------------------------------------------------------------------
    def module(self, name: str) -> nn.Module:
        return self.backbone.get_submodule(name)


def tokens_to_map(tokens: torch.Tensor, hw: Sequence[int]) -> torch.Tensor:
    """[B, H*W, C] tokens -> [B, C, H, W] map."""
    b, n, c = tokens.shape
    return tokens.transpose(1, 2).reshape(b, c, int(hw[0]), int(hw[1]))


def map_to_tokens(fmap: torch.Tensor) -> torch.Tensor:
    """[B, C, H, W] map -> [B, H*W, C] tokens."""
    return fmap.flatten(2).transpose(1, 2)


def unpack_tokens_hw(output: Tuple) -> Tuple[torch.Tensor, Rebuild]:
    """Unpack ``(tokens, hw, ...)``; the rebuild replaces every element that *is* the tokens.

    mmdet/mmseg Swin stages return ``(x, hw, x_out, hw_out)`` where the last stage returns the
    same tensor twice: both must carry the prompted features.
    """
    tokens, hw = output[0], output[1]
    fmap = tokens_to_map(tokens, hw)

    def rebuild(y: torch.Tensor) -> Tuple:
        new = map_to_tokens(y)
        return type(output)(new if o is tokens else o for o in output)

    return fmap, rebuild


def stride_of(module: nn.Module) -> int:
    """The (square) stride of a conv or ``nn.Unfold``-like module, e.g. a patch embedding's projection."""
    stride = module.stride
    stride = tuple(stride) if isinstance(stride, (tuple, list)) else (stride, stride)
    if stride[0] != stride[1]:
        raise ValueError(f'{type(module).__name__} has a non-square stride {stride}; StageSpec.reduction '
                         'is one number.')
    return int(stride[0])


def last_conv_channels(module: nn.Module) -> int:
    """Output channels of the last ``nn.Conv2d`` registered in ``module``."""
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    if not convs:
        raise ValueError(f'No Conv2d found in {type(module).__name__} to read its channels from.')
    return convs[-1].out_channels


def import_class(path: str, imported_only: bool = False) -> Optional[Type]:
    """Import ``'package.module.Class'``; None if that package is not installed.

    Args:
        path (str): The class's import path.
        imported_only (bool): Return None, without importing, when the top-level package has not been
            imported yet. Defaults to False.

    Returns:
        type, optional: The class, or None.
    """
    module_name, _, cls_name = path.rpartition('.')
    if imported_only and module_name.split('.')[0] not in sys.modules:
        return None
    try:
        return getattr(importlib.import_module(module_name), cls_name)
    except ImportError:
        return None


_ADAPTERS: List[Type[BackboneAdapter]] = []


def register_adapter(cls: Type[BackboneAdapter]) -> Type[BackboneAdapter]:
    """Class decorator adding an adapter to the table that :func:`get_adapter` searches."""
    _ADAPTERS.append(cls)
    return cls


def supported_backbones() -> List[str]:
    """Import paths of every backbone class some adapter handles."""
    return list(dict.fromkeys(path for adapter in _ADAPTERS for path in adapter.backbone_types))


def get_adapter(backbone: nn.Module) -> BackboneAdapter:
    """Pick the adapter for ``backbone`` by its class.

    Among adapters whose classes the backbone is an instance of (and that :meth:`~BackboneAdapter.accepts`
    it), the one naming the most specific class (earliest in the backbone's MRO) wins, so e.g. RegNet
    beats its base ResNet.

    Raises:
        TypeError: For a class no adapter handles, listing the supported ones.
    """
    mro = type(backbone).__mro__
    best, best_rank = None, len(mro)
    for adapter in _ADAPTERS:
        for path in adapter.backbone_types:
            # A backbone's class comes from a package already imported, so the others (mmpretrain for an
            # mmdet user, ...) are neither needed nor imported.
            cls = import_class(path, imported_only=True)
            if cls is not None and cls in mro and mro.index(cls) < best_rank and adapter.accepts(backbone):
                best, best_rank = adapter, mro.index(cls)
    if best is None:
        raise TypeError(
            f'ProTuningBackbone has no adapter for {type(backbone).__module__}.'
            f'{type(backbone).__qualname__}. Supported backbone classes (and their subclasses): '
            f'{", ".join(supported_backbones())}. Wrap one of these, or add an adapter with '
            f'protuning_mm.adapters.register_adapter.')
    return best(backbone)
