"""ProTuningBackbone: a frozen pre-trained backbone with Pro-tuning prompt blocks.

Pro-tuning: Unified Prompt Tuning for Vision Tasks (Nie et al., 2022), https://arxiv.org/abs/2207.14381.
After stage i of the frozen backbone, ``x_i <- x_i + beta * f_i(x_i)`` (paper Eq. 1); the blended
map feeds the next stage and whatever the backbone returns. Prompts are attached with forward
hooks on the stage modules an adapter names, so the inner backbone's own forward runs unchanged
and the wrapper returns exactly what it returns. The hooks, which wrapper's prompts run and the
``with_cp`` checkpointed forwards are held by a :class:`SharedBackbone`, never set on the inner module.

With ``prompt_block.py`` this is the reference computation; :mod:`protuning_mm.accel` (speed and memory, behind
the ``accel`` switch) attaches itself as :attr:`ProTuningBackbone.accelerator` and is never imported here.
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
from .activation_checkpointing import checkpointed_call
from .prompt_block import PromptBlock
from .shared_backbone import SharedBackbone
from .tuning import Paradigm, parse_paradigm

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
        paradigm (str): What trains (docs/design.md, 'Paradigms'): ``'protuning'`` (prompts; default),
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
        with_cp (bool): Memory mode: run each block of the inner backbone (the adapter's
            ``blocks()``: ResNet bottlenecks, Swin blocks, ViT layers) through non-reentrant activation
            checkpointing whenever gradients flow through it, so its activations are recomputed in
            backward instead of stored (Pro-tuning backpropagates through the whole frozen backbone). The
            prompt hooks stay outside the blocks' regions and run once per forward; each stage's prompt
            blocks are checkpointed on their own, inside the hook. Gradients and BatchNorm running
            statistics are unchanged. ``model.with_cp = False`` gives the blocks their own forward back.
            Defaults to False.
        compile_prompts: Removed: compiled prompt blocks ran slower than eager ones in every measurement
            (docs/benchmarks.md). Compile the whole model instead (``compile = True`` in the config).
        accel (bool, optional): Run the speed-up layer (:mod:`protuning_mm.accel`; docs/design.md,
            'Speed-ups'): same outputs, gradients and state dict, less memory in training and less time at
            CPU inference. None follows :func:`protuning_mm.accel.use_accel` (the ``PROTUNING_ACCEL``
            environment variable, on by default where this torch supports it). Defaults to None.
        init_cfg (dict, optional): Init config of the wrapper itself. Defaults to None.

    Examples:
        >>> import torch
        >>> from protuning_mm.models import ProTuningBackbone
        >>> model = ProTuningBackbone(
        ...     backbone=dict(type='mmpretrain.ResNet', depth=50, out_indices=(0, 1, 2, 3)))
        >>> [tuple(o.shape) for o in model(torch.rand(1, 3, 64, 64))]
        [(1, 256, 16, 16), (1, 512, 8, 8), (1, 1024, 4, 4), (1, 2048, 2, 2)]
    """

    #: The speed-up layer, set when :mod:`protuning_mm.accel` is imported (as ``import protuning_mm`` does).
    accelerator: Optional[Any] = None

    def __init__(self,
                 backbone: dict,
                 paradigm: str = 'protuning',
                 positions: Union[str, Sequence[int], None] = None,
                 blocks_per_position: Union[int, Sequence[int], None] = None,
                 prompt_cfg: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 with_cp: bool = False,
                 compile_prompts: Any = None,
                 accel: Optional[bool] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if compile_prompts:
            raise ValueError('ProTuningBackbone: compile_prompts was removed (compiled prompt blocks were slower than '
                             'eager ones); drop it and set `compile = True` in the config to compile the whole model.')
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
        self.accel = self.accelerator.resolve(accel)  # (set whenever protuning_mm is imported)
        if self.accel:
            self.accelerator.attach(self)
        self._ctx: Dict[str, Any] = {}
        call = self.accelerator.checkpointed_call if self.accel else checkpointed_call
        self._shared = SharedBackbone(self.backbone, call)
        self._with_cp = bool(with_cp)
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
        """Install this wrapper's hooks (and its ``with_cp`` request) on its shared backbone."""
        # Bound methods (not closures) so that copy.deepcopy(model) hooks the copy's prompts.
        self._shared.set_hooks(self, [
            (name, partial(self._context_hook, name)) for name in self.adapter.context_modules()
        ] + [
            (spec.name, partial(self._prompt_hook, spec)) for spec in self.prompt_stages
        ])
        self._apply_with_cp()

    @property
    def with_cp(self) -> bool:
        """Memory mode (see the class docstring); setting it installs or removes the checkpointing."""
        return self._with_cp

    @with_cp.setter
    def with_cp(self, value: bool) -> None:
        self._with_cp = bool(value)
        self._apply_with_cp()

    def _apply_with_cp(self) -> None:
        if not self._with_cp:
            self._shared.stop_checkpointing(self)
            return
        skipped = self._shared.checkpoint_blocks(self, self.adapter.blocks())
        if skipped:
            print_log(f'ProTuningBackbone(with_cp=True): {len(skipped)} block(s) contain a prompt or '
                      f'context hook and run without checkpointing '
                      f'({sorted({type(b).__name__ for b in skipped})}).', logger='current', level=30)

    @property
    def shared(self) -> SharedBackbone:
        """The run-time state of the inner backbone: hooks, active wrapper, checkpointed blocks."""
        return self._shared

    def init_weights(self) -> None:
        """Re-apply the inner backbone's own init (its pre-trained weights), then the prompts'.

        A parent's ``init_cfg`` runs on the whole module tree *before* its children's
        ``init_weights`` (e.g. mmpretrain's ViT/Swin classifiers put ``TruncNormal`` on every
        ``Linear``), which would silently overwrite the frozen weights loaded in ``__init__``.
        Loading them again here, after the parent, keeps the frozen backbone what its
        ``init_cfg`` says it is.
        """
        if isinstance(self.backbone, BaseModule):
            self.backbone.is_init = False  # BaseModule's public switch: its init_weights() runs again
        super().init_weights()

    def activate(self) -> None:
        """Make the inner backbone run *this* wrapper's prompts.

        Several task wrappers may share one frozen inner backbone (multi-task serving): each
        registers hooks on it, and only the active wrapper's hooks act. Switching is a pointer
        assignment (:attr:`shared`'s ``active``); no weights are copied. A single wrapper is
        active from construction on.
        """
        self._shared.activate(self)

    def share_backbone(self, other: Union['ProTuningBackbone', SharedBackbone]) -> None:
        """Run this wrapper's prompts on the frozen inner backbone of ``other``.

        For multi-task serving (``protuning_mm.apis.MultiTaskInferencer``): the task wrappers of
        one base drop their own inner copies and all hook the same instance; :meth:`activate`
        then picks whose prompts run. The shared module is referenced, never copied.

        Args:
            other (ProTuningBackbone | SharedBackbone): Another wrapper (or its :attr:`shared` state)
                whose inner backbone has the same class, parameter names and shapes as this wrapper's.

        Raises:
            ValueError: If this wrapper trains part of its backbone (``partial-k``, ``full``, ...:
                those weights belong to one task) or the two backbones differ in structure.
        """
        shared = other.shared if isinstance(other, ProTuningBackbone) else other
        backbone = shared.module
        if not self.paradigm.freezes_backbone or self._trainable_backbone_modules:
            raise ValueError(f'Paradigm {self.paradigm.name!r} trains backbone weights, so its '
                             'backbone cannot be shared between tasks; share only protuning/head.')
        if type(backbone) is not type(self.backbone):
            raise ValueError(f'Cannot share a {type(backbone).__name__} in place of this '
                             f'wrapper\'s {type(self.backbone).__name__}.')
        mine = {k: tuple(v.shape) for k, v in self.backbone.state_dict().items()}
        theirs = {k: tuple(v.shape) for k, v in backbone.state_dict().items()}
        if mine != theirs:
            diff = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
            raise ValueError(f'Cannot share a backbone of a different structure; differing '
                             f'entries: {diff[:10]}{" ..." if len(diff) > 10 else ""}.')
        self._shared.remove(self)  # no hook or checkpointed forward left on the dropped inner copy
        self.backbone = backbone
        self.adapter = get_adapter(backbone)
        self._ctx = {}
        self._shared = shared
        if self.accel:
            self.accelerator.attach(self)
        self._attach_hooks()
        self.activate()

    # -- runtime ---------------------------------------------------------------------------------
    def _context_hook(self, name: str, module: nn.Module, args: Any, output: Any) -> None:
        if self._shared.is_active(self):
            self.adapter.record_context(name, output, self._ctx)

    def _prompt_hook(self, spec: StageSpec, module: nn.Module, args: Any, output: Any) -> Any:
        if not self._shared.is_active(self):
            return None  # another task's wrapper owns the shared backbone right now
        fmap, rebuild = self.adapter.unpack(spec, output, self._ctx)
        prompt = self.prompts[spec.name.replace('.', '_')]
        if self.accel:
            prompted = self.accelerator.prompt_stage(self, module, prompt, fmap, args, output)
            if prompted is not None:
                return rebuild(prompted)
        if self._with_cp:
            # Only the prompt blocks are recomputed in backward, never this hook or the context.
            return rebuild(checkpointed_call(prompt, type(prompt).__call__, fmap))
        return rebuild(prompt(fmap))

    @staticmethod
    def prompt_hook_owner(hook: Any) -> Optional['ProTuningBackbone']:
        """The wrapper whose prompt hook ``hook`` is (a ``partial`` of its bound method), or None."""
        method = getattr(hook, 'func', None)
        return method.__self__ if getattr(method, '__func__', None) is ProTuningBackbone._prompt_hook else None

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
