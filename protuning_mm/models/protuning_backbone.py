"""ProTuningBackbone: a frozen pre-trained backbone with Pro-tuning prompt blocks.

Pro-tuning: Unified Prompt Tuning for Vision Tasks (Nie et al., 2022), https://arxiv.org/abs/2207.14381.
After stage i of the frozen backbone, ``x_i <- x_i + beta * f_i(x_i)`` (paper Eq. 1); the blended
map feeds the next stage and whatever the backbone returns. Prompts are attached with forward
hooks on the stage modules an adapter names, so the inner backbone's own forward runs unchanged
and the wrapper returns exactly what it returns.
"""
import copy
import inspect
from functools import partial
from typing import Any, Dict, List, Optional, Sequence, Union

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.registry import MODELS

from ..adapters import StageSpec, get_adapter
from .prompt_block import PromptBlock
from .tuning import Paradigm, parse_paradigm

class _Token:
    """Identifies the wrapper whose prompts a (possibly shared) inner backbone currently runs."""


_PROMPT_OPTIONS = tuple(p for p in inspect.signature(PromptBlock.__init__).parameters
                        if p not in ('self', 'channels', 'init_cfg'))


def _without_pretrained(cfg: dict) -> dict:
    """A copy of a backbone config that does not load pre-trained weights (for ``scratch``)."""
    cfg = copy.deepcopy(cfg)
    if isinstance(cfg.get('pretrained'), bool):  # e.g. TIMMBackbone(pretrained=True)
        cfg['pretrained'] = False
    else:
        cfg.pop('pretrained', None)
    init_cfg = cfg.get('init_cfg')
    if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
        cfg['init_cfg'] = None
    elif isinstance(init_cfg, (list, tuple)):
        cfg['init_cfg'] = [c for c in init_cfg if c.get('type') != 'Pretrained'] or None
    return cfg


@MODELS.register_module()
class ProTuningBackbone(BaseModule):
    """Wrap any supported backbone for Pro-tuning or one of the baseline tuning paradigms.

    The inner backbone is built from its config, initialised (its ``init_cfg`` loads the
    pre-trained checkpoint) and frozen here in ``__init__``, before any DDP wrapping, so what
    trains is fixed by structure: the prompt blocks this wrapper creates (and, outside it, the task
    head). ``train()`` keeps the frozen part, BatchNorm included, in eval mode.

    Args:
        backbone (dict): Config of the inner backbone, in any registry scope
            (``mmpretrain.ResNet``, ``mmdet.SwinTransformer``, ``mmseg.ResNetV1c``,
            ``mmpretrain.TIMMBackbone``, ...).
        paradigm (str): What trains (SPEC.md section 3): ``'protuning'`` (prompts; default),
            ``'head'`` (nothing in the backbone), ``'partial-k'`` (the last k backbone blocks),
            ``'full'``, ``'protuning+full'`` or ``'scratch'`` (no pre-trained weights).
            Defaults to ``'protuning'``.
        positions (str | Sequence[int], optional): Where prompt blocks go: a preset of the
            backbone's adapter (``'all'``; ViT: ``'U5'``, ``'F1'``, ``'F5'``, ``'L1'``, ``'L5'``) or
            indices into the adapter's stage list. None picks the adapter's default (every stage;
            ``U5`` for ViT). Defaults to None.
        blocks_per_position (int | Sequence[int], optional): Prompt blocks stacked at each
            position (paper Table 8). None takes the preset's count (1, or 5 for F5/L5).
            Defaults to None.
        prompt_cfg (dict, optional): :class:`PromptBlock` options (``hidden_ratio``,
            ``kernel_size``, ``se_position``, ``se_reduction``, ``beta_init``, ``learnable_beta``,
            ``act_cfg``, ``norm_cfg``, ``hidden_channels``) overriding the adapter's defaults.
            Defaults to None.
        pretrained (str, optional): Checkpoint handed to the inner backbone; mmseg's
            ``EncoderDecoder`` sets it from ``model.pretrained``. Defaults to None.
        init_cfg (dict, optional): Init config of the wrapper itself. Defaults to None.

    Examples:
        >>> import torch
        >>> from protuning_mm.models import ProTuningBackbone
        >>> model = ProTuningBackbone(
        ...     backbone=dict(type='mmpretrain.ResNet', depth=50, out_indices=(0, 1, 2, 3)))
        >>> [tuple(o.shape) for o in model(torch.rand(1, 3, 64, 64))]
        [(1, 256, 16, 16), (1, 512, 8, 8), (1, 1024, 4, 4), (1, 2048, 2, 2)]
    """

    def __init__(self,
                 backbone: dict,
                 paradigm: str = 'protuning',
                 positions: Union[str, Sequence[int], None] = None,
                 blocks_per_position: Union[int, Sequence[int], None] = None,
                 prompt_cfg: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.paradigm: Paradigm = parse_paradigm(paradigm)
        backbone = copy.deepcopy(backbone)
        if pretrained is not None:
            backbone['pretrained'] = pretrained
        if not self.paradigm.pretrained:
            backbone = _without_pretrained(backbone)

        self.backbone = MODELS.build(backbone)
        # Load the pre-trained weights now, before freezing; the runner's later init_weights()
        # skips the already initialised backbone.
        self.backbone.init_weights()
        self.adapter = get_adapter(self.backbone)

        self.prompts = nn.ModuleDict()
        self.prompt_stages: List[StageSpec] = []
        if self.paradigm.prompts:
            self._build_prompts(positions, blocks_per_position, prompt_cfg)
        elif any(v is not None for v in (positions, blocks_per_position, prompt_cfg)):
            print_log(f'ProTuningBackbone: paradigm {paradigm!r} has no prompt blocks; positions, '
                      'blocks_per_position and prompt_cfg are not used.', logger='current', level=30)

        self._trainable_backbone_modules: List[nn.Module] = []
        self._freeze()
        self._ctx: Dict[str, Any] = {}
        self._token = _Token()
        self._hook_handles: List[Any] = []
        self._attach_hooks()
        self.activate()

    # -- construction ----------------------------------------------------------------------------
    def _resolve_positions(self, positions: Union[str, Sequence[int], None],
                           blocks_per_position: Union[int, Sequence[int], None]) -> List[tuple]:
        stages = self.adapter.stages()
        adapter_name = type(self.adapter).__name__
        presets = self.adapter.presets()
        preset_blocks = 1
        if positions is None:
            positions = self.adapter.default_positions
        if isinstance(positions, str):
            if positions not in presets:
                raise ValueError(f'Unknown positions preset {positions!r} for {adapter_name}; '
                                 f'choose one of {sorted(presets)} or a list of stage indices.')
            positions, preset_blocks = presets[positions]
            if positions is None:
                positions = list(range(len(stages)))
        positions = list(positions)
        valid = ', '.join(f'{i}={s.name}' for i, s in enumerate(stages))
        for pos in positions:
            if not isinstance(pos, int) or not 0 <= pos < len(stages):
                raise ValueError(f'Prompt position {pos!r} is out of range for {adapter_name}: '
                                 f'valid positions are 0..{len(stages) - 1} ({valid}).')
        if len(set(positions)) != len(positions) or not positions:
            raise ValueError(f'Prompt positions must be distinct and non-empty, got {positions}; '
                             'stack blocks at one position with blocks_per_position.')
        if blocks_per_position is None:
            blocks_per_position = preset_blocks
        if isinstance(blocks_per_position, int):
            blocks_per_position = [blocks_per_position] * len(positions)
        blocks_per_position = list(blocks_per_position)
        if len(blocks_per_position) != len(positions) or min(blocks_per_position) < 1:
            raise ValueError(f'blocks_per_position must be a positive int or one positive int per '
                             f'position ({len(positions)}), got {blocks_per_position}.')
        return [(stages[p], n) for p, n in sorted(zip(positions, blocks_per_position))]

    def _build_prompts(self, positions, blocks_per_position, prompt_cfg) -> None:
        cfg = dict(self.adapter.default_prompt_cfg)
        unknown = set(prompt_cfg or {}) - set(_PROMPT_OPTIONS)
        if unknown:
            raise ValueError(f'Unknown prompt_cfg option(s) {sorted(unknown)}; '
                             f'PromptBlock accepts {list(_PROMPT_OPTIONS)}.')
        cfg.update(prompt_cfg or {})
        for spec, n_blocks in self._resolve_positions(positions, blocks_per_position):
            key = spec.name.replace('.', '_')
            self.prompts[key] = nn.Sequential(*[PromptBlock(spec.channels, **cfg) for _ in range(n_blocks)])
            self.prompt_stages.append(spec)

    def _freeze(self) -> None:
        """Apply the paradigm structurally: freeze modules, never match parameter names."""
        if not self.paradigm.freezes_backbone:
            return  # full / protuning+full / scratch: the backbone's own frozen_stages still apply
        self.backbone.requires_grad_(False)
        if self.paradigm.backbone == 'last-k':
            blocks = self.adapter.blocks()
            if self.paradigm.k > len(blocks):
                raise ValueError(f'{self.paradigm.name}: the backbone has only {len(blocks)} blocks.')
            self._trainable_backbone_modules = blocks[-self.paradigm.k:]
            for block in self._trainable_backbone_modules:
                block.requires_grad_(True)

    def _attach_hooks(self) -> None:
        # Bound methods (not closures) so that copy.deepcopy(model) hooks the copy's prompts.
        for handle in self._hook_handles:
            handle.remove()
        self._hook_handles = [
            self.backbone.get_submodule(name).register_forward_hook(partial(self._context_hook, name))
            for name in self.adapter.context_modules()
        ] + [
            self.backbone.get_submodule(spec.name).register_forward_hook(partial(self._prompt_hook, spec))
            for spec in self.prompt_stages
        ]

    def activate(self) -> None:
        """Make the inner backbone run *this* wrapper's prompts.

        Several task wrappers may share one frozen inner backbone (multi-task serving): each
        registers hooks on it, and only the active wrapper's hooks act. Switching is a pointer
        assignment; no weights are copied. A single wrapper is active from construction on.
        """
        self.backbone._protuning_active = self._token

    # -- runtime ---------------------------------------------------------------------------------
    def _is_active(self) -> bool:
        return getattr(self.backbone, '_protuning_active', None) is self._token

    def _context_hook(self, name: str, module: nn.Module, args: Any, output: Any) -> None:
        if self._is_active():
            self.adapter.record_context(name, output, self._ctx)

    def _prompt_hook(self, spec: StageSpec, module: nn.Module, args: Any, output: Any) -> Any:
        if not self._is_active():
            return None  # another task's wrapper owns the shared backbone right now
        fmap, rebuild = self.adapter.unpack(spec, output, self._ctx)
        return rebuild(self.prompts[spec.name.replace('.', '_')](fmap))

    def forward(self, *args, **kwargs) -> Any:
        """Run the inner backbone (prompts act through hooks) and return exactly its outputs."""
        return self.backbone(*args, **kwargs)

    def train(self, mode: bool = True) -> 'ProTuningBackbone':
        """Set train mode, keeping the frozen part of the backbone (BatchNorm included) in eval."""
        super().train(mode)
        if self.paradigm.freezes_backbone:
            self.backbone.eval()
            norm_eval = getattr(self.backbone, 'norm_eval', False)
            for block in self._trainable_backbone_modules:
                block.train(mode)
                if norm_eval:  # the backbone asked for frozen BN statistics everywhere
                    for m in block.modules():
                        if isinstance(m, nn.modules.batchnorm._BatchNorm):
                            m.eval()
        return self

    # -- introspection ---------------------------------------------------------------------------
    def trainable_backbone_modules(self) -> List[nn.Module]:
        """The backbone blocks that ``partial-k`` trains (empty for other paradigms)."""
        return list(self._trainable_backbone_modules)
