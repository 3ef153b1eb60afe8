"""One frozen backbone, many tasks: serve N Pro-tuning tasks from a single base in memory.

Pro-tuning (https://arxiv.org/abs/2207.14381, section 3.2) motivates a service where one frozen
model serves many downstream tasks with a few parameters each. For each task,
:class:`MultiTaskInferencer` lets the codebase's own inferencer (``ImageClassificationInferencer``,
``DetInferencer``, ``MMSegInferencer``: their pre/post-processing and visualisation are reused as
they are) build the model from the config without weights, checks the task's delta (or full
checkpoint, of which it keeps only the trained tensors) against it and the base, points its
ProTuningBackbone at *one* shared inner backbone and loads the delta; the checkpoint's class names
go to the inferencer as its own weight loading would put them.
Switching tasks is :meth:`ProTuningBackbone.activate`: a pointer assignment on the shared
:class:`~protuning_mm.models.SharedBackbone`, no weights copied.

Constraint: a shared instance has one configuration, so every task's inner backbone config must
be identical apart from how weights are loaded (``init_cfg``/``pretrained``) and the training-only
``frozen_stages``/``norm_eval``; e.g. build all of them with ``out_indices=(0, 1, 2, 3)`` and let
the classification head use the last map (mmpretrain heads do), the detection/segmentation necks
all four. Only paradigms that freeze the whole backbone (``protuning``, ``head``) can share it.
"""
import copy
import threading
import warnings
from dataclasses import dataclass
from typing import Any, Dict, Optional, Union

import torch.nn as nn
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.registry import DefaultScope
from mmengine.runner import CheckpointLoader

from ..engine.delta_checkpoint import base_fingerprint, check_delta, complete_delta, full_to_delta, is_delta
from ..models import ProTuningBackbone, parse_paradigm
from ..models.protuning_backbone import _without_pretrained
from ..utils.checkpoint_io import load_checkpoint_file
from .build import task_kind

# Inner-backbone options that do not change what a frozen backbone computes at inference.
_LOAD_ONLY_KEYS = ('init_cfg', 'pretrained', 'frozen_stages', 'norm_eval')


def _load_checkpoint(checkpoint: str) -> dict:
    """The loaded checkpoint, with ``state_dict`` and ``meta`` (a bare state dict is wrapped)."""
    if not isinstance(checkpoint, str):
        raise TypeError(f'checkpoint must be a path, got {type(checkpoint).__name__}.')
    if '://' in checkpoint:  # a URL (http://, s3://, ...): mmengine's loader, as its inferencers use
        loaded = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    else:  # missing, empty, truncated, not a checkpoint: a CheckpointError naming the file
        loaded = load_checkpoint_file(checkpoint)
    if 'state_dict' not in loaded:  # a bare state dict, which mmengine's loaders accept too
        loaded = dict(state_dict=loaded)
    loaded.setdefault('meta', {})
    return loaded


def _new_inferencer(kind: str, cfg: Config, device: str, kwargs: dict) -> Any:
    """The codebase's own inferencer for ``cfg``, its model built from the config without weights."""
    with warnings.catch_warnings():  # "no checkpoint loaded": the delta is loaded next
        warnings.simplefilter('ignore')
        if kind == 'classification':
            from mmpretrain.apis import ImageClassificationInferencer
            return ImageClassificationInferencer(cfg, pretrained=False, device=device, **kwargs)
        if kind == 'detection':
            from mmdet.apis import DetInferencer
            return DetInferencer(cfg, weights=None, device=device, **{'show_progress': False, **kwargs})
        from mmseg.apis import MMSegInferencer
        return MMSegInferencer(cfg, weights=None, device=device, **kwargs)


def _set_dataset_meta(kind: str, inferencer: Any, meta: Optional[dict], kwargs: dict) -> None:
    """Give the inferencer the checkpoint's class names (and palette), as its weight loading would.

    Built without weights, each inferencer holds its codebase's defaults (ImageNet, COCO,
    Cityscapes classes); without ``dataset_meta`` in the checkpoint they stay.
    """
    if not meta:
        warnings.warn(f'The {kind} checkpoint holds no dataset_meta; {type(inferencer).__name__} '
                      'keeps its default class names.')
        return
    if kind == 'classification':  # ImageClassificationInferencer(classes=...) wins, as there
        if kwargs.get('classes') is None:
            inferencer.classes = meta.get('classes')
    elif kind == 'detection':
        # DetInferencer: lower-case keys; the palette comes from its palette argument, else the
        # config's dataset, else the checkpoint's. Built without weights, it has applied the first
        # two already, or 'random' if neither is set: only that fallback gives way to the checkpoint.
        dataset_meta = {k.lower(): v for k, v in meta.items()}
        chosen = inferencer.model.dataset_meta.get('palette')
        if inferencer.palette != 'none' or chosen != 'random' or 'palette' not in dataset_meta:
            dataset_meta['palette'] = chosen
        inferencer.model.dataset_meta = inferencer.visualizer.dataset_meta = dataset_meta
    else:  # MMSegInferencer: its visualize() reads model.dataset_meta
        inferencer.model.dataset_meta = {'classes': meta.get('classes'), 'palette': meta.get('palette')}


@dataclass
class _Task:
    name: str
    kind: str
    scope: str
    inferencer: Any
    wrapper: ProTuningBackbone


def _plain(value: Any) -> Any:
    """A config value in comparable form (ConfigDicts as dicts, tuples as lists)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class MultiTaskInferencer:
    """Serve several Pro-tuning tasks (any mix of mmpretrain/mmdet/mmseg) from one frozen backbone.

    The first task added loads the base weights (its config's pre-trained checkpoint); every later
    task builds its model without them and shares that backbone. Each delta's fingerprint must
    match the base (see :mod:`protuning_mm.engine.delta_checkpoint`). A task may also come as an
    ordinary full checkpoint: its frozen backbone tensors must equal the base's, and only its
    trained tensors (prompts, β, neck, heads) are kept.

    Args:
        device (str, optional): Device of all models. None picks mmengine's default
            (CUDA if available). Defaults to None.
        allow_base_mismatch (bool): Load deltas trained on other base weights, and full
            checkpoints whose frozen tensors differ from the base (their trained tensors then run
            on the base), with a warning. Defaults to False.

    Examples:
        >>> from protuning_mm.apis import MultiTaskInferencer
        >>> server = MultiTaskInferencer(device='cpu')
        >>> server.add_task('cls', 'cls_config.py', 'cls_delta.pth')
        >>> server.add_task('det', 'det_config.py', 'det_delta.pth')
        >>> server('cls', 'demo.jpg')[0]['pred_class']                  # ImageClassificationInferencer
        >>> server('det', 'images/', out_dir='outputs/det')             # DetInferencer kwargs
    """

    def __init__(self, device: Optional[str] = None, allow_base_mismatch: bool = False) -> None:
        self.device = device or get_device()
        self.allow_base_mismatch = allow_base_mismatch
        self._tasks: Dict[str, _Task] = {}
        self._base: Optional[nn.Module] = None
        self._shared = None  # the first task wrapper's SharedBackbone, which later tasks join
        self._base_fingerprint: Optional[str] = None
        self._base_signature: Optional[dict] = None
        self._lock = threading.Lock()  # one task owns the shared backbone at a time

    # -- loading -----------------------------------------------------------------------------------
    def add_task(self,
                 name: str,
                 config: Union[str, Config],
                 checkpoint: str,
                 cfg_options: Optional[dict] = None,
                 **inferencer_kwargs) -> None:
        """Load one task: its config's model with the trained tensors of ``checkpoint``.

        Args:
            name (str): Name to run the task by.
            config (str | Config): The config the checkpoint was trained with.
            checkpoint (str): Path or URL of the task's delta checkpoint, or of its full checkpoint
                (e.g. a run without ``delta_checkpoint=True``): then its frozen backbone tensors
                are compared with the base's and dropped.
            cfg_options (dict, optional): Overrides merged into the config (e.g. the base
                checkpoint path for the first task). Defaults to None.
            **inferencer_kwargs: Passed to the task's inferencer (e.g. ``palette`` for
                ``DetInferencer``, ``classes`` for ``MMSegInferencer``).

        Raises:
            ValueError: Duplicate name, unsupported config, no ProTuningBackbone at
                ``model.backbone``, a paradigm that trains backbone weights, or an inner backbone
                config that differs from the base's.
            RuntimeError: A delta trained on another base, or a full checkpoint whose frozen
                tensors differ from the base's (named), unless ``allow_base_mismatch``.
        """
        if name in self._tasks:
            raise ValueError(f'Task {name!r} is already loaded.')
        loaded = _load_checkpoint(checkpoint)  # a broken file fails here, before anything is built
        cfg, signature = self._task_config(name, config, cfg_options)
        kind, scope = task_kind(cfg), cfg.default_scope
        with DefaultScope.overwrite_default_scope(scope):
            # The codebase's inferencer builds the task model from the config, without weights.
            inferencer = _new_inferencer(kind, cfg, self.device, inferencer_kwargs)
        model = inferencer.model
        fingerprint = self._base_fingerprint or base_fingerprint(model)
        delta = self._checked_delta(name, checkpoint, model, loaded, fingerprint)
        if self._base is not None:  # only now, so that a refused task leaves no hooks on the base
            model.backbone.share_backbone(self._shared)
        with warnings.catch_warnings():  # a base mismatch the user allowed was reported above
            warnings.simplefilter('ignore')
            complete_delta(model, delta, True, fingerprint=fingerprint)
        model.load_state_dict(delta['state_dict'], strict=True)
        _set_dataset_meta(kind, inferencer, delta['meta'].get('dataset_meta'), inferencer_kwargs)
        if self._base is None:
            self._base, self._base_fingerprint, self._base_signature = (
                model.backbone.backbone, fingerprint, signature)
            self._shared = model.backbone.shared
        self._tasks[name] = _Task(name, kind, scope, inferencer, model.backbone)

    def _task_config(self, name: str, config: Union[str, Config], cfg_options: Optional[dict]) -> tuple:
        """The task's config, checked to share the base; later tasks' inner backbones load no weights.

        Returns:
            tuple: The config and the signature of its inner backbone (what must equal the base's).
        """
        cfg = Config.fromfile(config) if isinstance(config, str) else copy.deepcopy(config)
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        wrapper_cfg = cfg.model.get('backbone')
        if not isinstance(wrapper_cfg, dict) or wrapper_cfg.get('type') != 'ProTuningBackbone':
            raise ValueError(f'Task {name!r}: model.backbone must be a ProTuningBackbone to share '
                             f'its frozen backbone, got {wrapper_cfg and wrapper_cfg.get("type")!r}.')
        paradigm = parse_paradigm(wrapper_cfg.get('paradigm', 'protuning'))
        if paradigm.backbone != 'none':
            raise ValueError(f'Task {name!r}: paradigm {paradigm.name!r} trains backbone weights; '
                             'only protuning/head tasks can share a frozen backbone.')
        if cfg.model.get('pretrained') is not None:
            # mmseg style; mmengine inferencers delete model.pretrained, so hand it to the wrapper
            wrapper_cfg['pretrained'] = cfg.model.pop('pretrained')
        signature = {k: _plain(v) for k, v in wrapper_cfg.backbone.items() if k not in _LOAD_ONLY_KEYS}
        if self._base is not None:
            if signature != self._base_signature:
                diff = sorted(k for k in set(signature) | set(self._base_signature)
                              if signature.get(k) != self._base_signature.get(k))
                raise ValueError(f'Task {name!r}: its inner backbone config differs from the shared '
                                 f'base\'s in {diff} ({ {k: signature.get(k) for k in diff} } vs '
                                 f'{ {k: self._base_signature.get(k) for k in diff} }); tasks can share '
                                 'one backbone only if they configure it identically.')
            # The base is in memory already: build this task's inner copy without loading weights.
            wrapper_cfg['backbone'] = _without_pretrained(wrapper_cfg.backbone)
            wrapper_cfg.pop('pretrained', None)
        return cfg, signature

    def _checked_delta(self, name: str, checkpoint: str, model: nn.Module, loaded: dict,
                       fingerprint: str) -> dict:
        """``loaded`` as a delta of ``model`` on the base (a full checkpoint loses its frozen tensors).

        Raises:
            RuntimeError, KeyError: The checkpoint does not belong to the base or to the model.
        """
        if not is_delta(loaded):
            # A full checkpoint becomes the delta it would have been saved as; later tasks' own
            # inner backbones hold no weights, so compare with the shared base's tensors.
            base = self._base.state_dict() if self._base is not None else None
            try:
                full_to_delta(model, loaded, base, self.allow_base_mismatch, fingerprint)
            except RuntimeError as e:  # several tasks load at once: say which one
                raise RuntimeError(f'Task {name!r} ({checkpoint}): {e}') from None
        check_delta(model, loaded, self.allow_base_mismatch, fingerprint=fingerprint)
        return loaded

    # -- serving -----------------------------------------------------------------------------------
    def __call__(self, task: str, inputs: Any, **kwargs) -> Any:
        """Run ``inputs`` (image path(s), folder or arrays) through task ``task``.

        Args:
            task (str): A name given to :meth:`add_task`.
            inputs: What the task's inferencer accepts.
            **kwargs: The task's inferencer call options (``batch_size``, ``show``,
                ``out_dir``/``show_dir``, ``return_datasamples``, ...).

        Returns:
            The task inferencer's result (a dict with ``predictions`` and ``visualization``).
        """
        entry = self._task(task)
        with self._lock, DefaultScope.overwrite_default_scope(entry.scope):
            entry.wrapper.activate()  # pointer switch: the shared backbone now runs this task's prompts
            return entry.inferencer(inputs, **kwargs)

    def _task(self, task: str) -> _Task:
        if task not in self._tasks:
            raise KeyError(f'Unknown task {task!r}; loaded tasks: {sorted(self._tasks)}.')
        return self._tasks[task]

    # -- introspection -----------------------------------------------------------------------------
    @property
    def tasks(self) -> Dict[str, str]:
        """Loaded task names -> ``'classification'``/``'detection'``/``'segmentation'``."""
        return {name: t.kind for name, t in self._tasks.items()}

    @property
    def base(self) -> Optional[nn.Module]:
        """The shared frozen inner backbone (None before the first task)."""
        return self._base

    @property
    def base_fingerprint(self) -> Optional[str]:
        """:func:`~protuning_mm.engine.base_fingerprint` of the shared base."""
        return self._base_fingerprint

    def inferencer(self, task: str) -> Any:
        """The OpenMMLab inferencer serving ``task`` (its ``.model`` is the task model)."""
        return self._task(task).inferencer
