"""Prompt-only ("delta") checkpoints: save what was trained, plus a fingerprint of the frozen base.

Pro-tuning (https://arxiv.org/abs/2207.14381, section 3.2) serves many tasks from one frozen
backbone with a few parameters each. A delta checkpoint is an ordinary mmengine checkpoint whose
``state_dict`` lacks the frozen inner-backbone tensors of every :class:`ProTuningBackbone` in the
model, and whose ``meta['protuning_delta']`` records a sha256 fingerprint of those tensors. Which
tensors are frozen is structural (the paradigm's frozen inner backbone, minus the blocks
``partial-k`` trains), never a name pattern. Loading a delta verifies the fingerprint against the
frozen weights the model already holds (its pre-trained ``init_cfg`` load) and refuses a mismatch,
so the frozen weights are never silently left random.

Training switch: ``delta_checkpoint = True`` in the config (or ``--cfg-options
delta_checkpoint=True``); :class:`DeltaCheckpointHook` (listed in ``configs/_base_/protuning_runtime.py``)
then strips the frozen tensors from every checkpoint the runner saves and completes deltas that
``--resume``, ``load_from`` or ``tools/test.py`` load.
"""
import hashlib
import warnings
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS
from mmengine.runner.checkpoint import _load_checkpoint, weights_to_cpu

from ..models.protuning_backbone import ProTuningBackbone
from ..utils.checkpoint_io import atomic_torch_save

DELTA_KEY = 'protuning_delta'  # in checkpoint['meta']
DELTA_FORMAT = 1


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if is_model_wrapper(model) else model


def _frozen_wrappers(model: nn.Module) -> List[Tuple[str, ProTuningBackbone]]:
    """``(path, wrapper)`` for every ProTuningBackbone whose paradigm freezes its inner backbone."""
    return [(path, m) for path, m in _unwrap(model).named_modules()
            if isinstance(m, ProTuningBackbone) and m.paradigm.freezes_backbone]


def _frozen_entries(model: nn.Module) -> List[Tuple[str, str, torch.Tensor]]:
    """``(model key, fingerprint key, tensor)`` of every frozen base tensor, in sorted order.

    Fingerprint keys are relative to the inner backbone, so the same base weights give the same
    fingerprint whatever task model (classifier, detector, segmentor) wraps them.
    """
    wrappers = _frozen_wrappers(model)
    entries = []
    for path, wrapper in wrappers:
        inner = wrapper.backbone
        names = {id(m): n for n, m in inner.named_modules()}
        trained = tuple(names[id(m)] + '.' for m in wrapper.trainable_backbone_modules())
        prefix = f'{path}.backbone.' if path else 'backbone.'
        tag = f'{path}/' if len(wrappers) > 1 else ''
        for key, tensor in inner.state_dict().items():
            if trained and key.startswith(trained):
                continue  # partial-k: these blocks train, so they belong to the delta
            entries.append((prefix + key, tag + key, tensor))
    return sorted(entries, key=lambda e: e[1])


def frozen_state_keys(model: nn.Module) -> List[str]:
    """State-dict keys of ``model`` that hold frozen base weights (what a delta leaves out).

    Args:
        model (nn.Module): A task model (classifier, detector, segmentor) or a model wrapper.

    Returns:
        list[str]: Keys such as ``'backbone.backbone.layer1.0.conv1.weight'``; empty when no
        ProTuningBackbone freezes its backbone (paradigms ``full``, ``protuning+full``, ``scratch``).
    """
    return [key for key, _, _ in _frozen_entries(model)]


def base_fingerprint(model: nn.Module) -> str:
    """sha256 over the frozen base tensors (name, dtype, shape and bytes, in sorted key order).

    Hashes the tensors' memory in place (no copies on CPU); ResNet-50 (~100 MB) takes well under
    a second.

    Args:
        model (nn.Module): A task model or a model wrapper.

    Returns:
        str: Hex digest; the digest of nothing when no backbone is frozen.
    """
    digest = hashlib.sha256()
    for _, name, tensor in _frozen_entries(model):
        tensor = tensor.detach().cpu().contiguous()
        digest.update(f'{name}|{tensor.dtype}|{tuple(tensor.shape)}|'.encode())
        if tensor.numel():
            digest.update(tensor.reshape(-1).view(torch.uint8).numpy())
    return digest.hexdigest()


def base_checkpoints(model: nn.Module) -> List[str]:
    """Where the frozen backbones' pre-trained weights were loaded from (for the delta's meta)."""
    sources = []
    for _, wrapper in _frozen_wrappers(model):
        inner = wrapper.backbone
        init_cfg = getattr(inner, 'init_cfg', None)
        for cfg in (init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]):
            if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
                sources.append(str(cfg.get('checkpoint')))
        if isinstance(getattr(inner, 'pretrained', None), str):
            sources.append(inner.pretrained)
    return sources


def is_delta(checkpoint: Dict[str, Any]) -> bool:
    """Whether ``checkpoint`` (a loaded dict) is a delta written by this module."""
    return isinstance(checkpoint, dict) and DELTA_KEY in (checkpoint.get('meta') or {})


def to_delta(model: nn.Module, checkpoint: Dict[str, Any], fingerprint: Optional[str] = None) -> Dict[str, Any]:
    """Turn a full checkpoint dict of ``model`` into a delta, in place.

    Args:
        model (nn.Module): The model the checkpoint was taken from (its frozen parts are the base).
        checkpoint (dict): ``{'state_dict': ..., 'meta': ...}``, e.g. what the runner is saving.
        fingerprint (str, optional): :func:`base_fingerprint` of ``model`` if already known
            (it does not change during a run). Defaults to None (computed here).

    Returns:
        dict: ``checkpoint`` itself.
    """
    frozen = frozen_state_keys(model)
    state = checkpoint['state_dict']
    for key in frozen:
        state.pop(key, None)
    meta = checkpoint.setdefault('meta', {})
    meta[DELTA_KEY] = dict(
        format=DELTA_FORMAT,
        fingerprint=fingerprint or base_fingerprint(model),
        base_checkpoints=base_checkpoints(model),
        num_frozen_tensors=len(frozen))
    return checkpoint


def save_delta(model: nn.Module, filename: str, meta: Optional[dict] = None) -> Dict[str, Any]:
    """Save ``model``'s trained tensors (and the base fingerprint) to ``filename``.

    Args:
        model (nn.Module): A task model whose ProTuningBackbone(s) freeze their inner backbone.
        filename (str): Output path.
        meta (dict, optional): Extra meta, e.g. ``dict(dataset_meta=...)`` for the inferencers.
            Defaults to None.

    Returns:
        dict: The checkpoint written.
    """
    checkpoint = to_delta(model, dict(meta=dict(meta or {}), state_dict=weights_to_cpu(_unwrap(model).state_dict())))
    atomic_torch_save(checkpoint, filename)
    return checkpoint


def _names(keys: List[str], limit: int = 10) -> str:
    keys = sorted(keys)
    return ', '.join(keys[:limit]) + (f' ... ({len(keys)} in all)' if len(keys) > limit else '')


def check_delta(model: nn.Module,
                checkpoint: Dict[str, Any],
                allow_base_mismatch: bool = False,
                fingerprint: Optional[str] = None) -> None:
    """Check that a delta belongs to ``model``: same frozen base, exactly its trained entries.

    Args:
        model (nn.Module): The model about to load the delta; its frozen backbone must already
            hold the base weights (its pre-trained ``init_cfg`` load).
        checkpoint (dict): The loaded delta.
        allow_base_mismatch (bool): Accept other base weights with a warning instead of an
            error. Defaults to False.
        fingerprint (str, optional): The base fingerprint to compare with, if already known.
            Defaults to None (:func:`base_fingerprint` of ``model``).

    Raises:
        RuntimeError: If the fingerprints differ (and ``allow_base_mismatch`` is False).
        KeyError: If the delta lacks trained entries of ``model`` or has entries it does not
            expect (including frozen base tensors), naming them.
    """
    info = checkpoint['meta'][DELTA_KEY]
    model = _unwrap(model)
    mine = fingerprint or base_fingerprint(model)
    if info.get('fingerprint') != mine:
        message = (
            f'This Pro-tuning delta checkpoint was trained on frozen base weights with fingerprint '
            f'{str(info.get("fingerprint"))[:16]}... (base checkpoint(s): '
            f'{info.get("base_checkpoints") or "unknown"}), but the model\'s frozen backbone has '
            f'{mine[:16]}... (loaded from: {base_checkpoints(model) or "nothing: random init"}). Point '
            'the config\'s pre-trained checkpoint (the inner backbone\'s init_cfg, or model.pretrained) '
            'at the base the delta was trained on, or, to load anyway, set allow_base_mismatch=True '
            '(config: delta_allow_base_mismatch=True; tools: --allow-base-mismatch).')
        if not allow_base_mismatch:
            raise RuntimeError(message)
        warnings.warn(message + ' Loading anyway (allow_base_mismatch=True).')
    state = checkpoint['state_dict']
    expected = set(model.state_dict()) - set(frozen_state_keys(model))
    missing, unexpected = expected - set(state), set(state) - expected
    if missing or unexpected:
        raise KeyError(
            'The delta checkpoint does not match the model\'s trained parameters: '
            + (f'missing keys: {_names(missing)}. ' if missing else '')
            + (f'unexpected keys: {_names(unexpected)}. ' if unexpected else '')
            + 'Was it saved from a model built with the same config (paradigm, prompt positions, heads)?')


def full_to_delta(model: nn.Module,
                  checkpoint: Dict[str, Any],
                  base: Optional[Mapping[str, torch.Tensor]] = None,
                  allow_base_mismatch: bool = False,
                  fingerprint: Optional[str] = None) -> Dict[str, Any]:
    """Turn a full checkpoint of ``model`` into the equivalent delta, if its frozen part is the base.

    The frozen tensors of the checkpoint are compared with the base's, tensor by tensor, so that a
    mismatch names the tensors that differ; then :func:`to_delta` drops them, exactly as a run with
    ``delta_checkpoint=True`` would have. The result goes through :func:`check_delta` /
    :func:`complete_delta` like any delta.

    Args:
        model (nn.Module): The model about to load the checkpoint (decides which keys are frozen).
        checkpoint (dict): A loaded full checkpoint of ``model`` (not a delta); changed in place.
        base (Mapping[str, torch.Tensor], optional): The base's frozen tensors keyed like the
            fingerprint, i.e. relative to the inner backbone (for a model with one
            ProTuningBackbone: its inner backbone's ``state_dict()``). Defaults to None (the
            frozen tensors ``model`` holds).
        allow_base_mismatch (bool): Warn instead of raising when the frozen part differs; the
            checkpoint's trained tensors are then used on the base. Defaults to False.
        fingerprint (str, optional): :func:`base_fingerprint` of the base; required with
            ``base``. Defaults to None (computed from ``model``).

    Returns:
        dict: ``checkpoint`` itself, now a delta recording the base's fingerprint.

    Raises:
        ValueError: If ``checkpoint`` is already a delta, or ``base`` comes without ``fingerprint``.
        RuntimeError: If frozen tensors differ from the base or are missing (and
            ``allow_base_mismatch`` is False); the message names them.
    """
    if is_delta(checkpoint):
        raise ValueError('full_to_delta expects a full checkpoint, got a delta; use complete_delta.')
    if base is not None and fingerprint is None:  # model's own frozen tensors are not the base then
        raise ValueError('full_to_delta: pass the base\'s fingerprint along with its tensors.')
    entries = _frozen_entries(model)
    if base is None:
        base = {name: tensor for _, name, tensor in entries}
    state = checkpoint['state_dict']
    differing = [key for key, name, _ in entries if not _same_tensor(state.get(key), base.get(name))]
    if differing:
        message = (
            f'The full checkpoint\'s frozen backbone differs from the base in {len(differing)} of '
            f'{len(entries)} tensors: {_names(differing)}. It was trained on other base weights, or with '
            'a paradigm that trains the backbone. Point the config\'s pre-trained checkpoint (the '
            'inner backbone\'s init_cfg, or model.pretrained) at the base it was trained on, or, to use '
            'its trained tensors on this base anyway, set allow_base_mismatch=True (tools: '
            '--allow-base-mismatch).')
        if not allow_base_mismatch:
            raise RuntimeError(message)
        warnings.warn(message + ' Using the base\'s frozen tensors (allow_base_mismatch=True).')
    # Equal frozen tensors mean an equal fingerprint: record the base's, so check_delta agrees.
    return to_delta(model, checkpoint, fingerprint)


def _same_tensor(a: Optional[torch.Tensor], b: Optional[torch.Tensor]) -> bool:
    """Whether two tensors have the same dtype, shape and values (a missing one never matches)."""
    return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.dtype == b.dtype
            and a.shape == b.shape and torch.equal(a, b.to(a.device)))


def complete_delta(model: nn.Module,
                   checkpoint: Dict[str, Any],
                   allow_base_mismatch: bool = False,
                   fingerprint: Optional[str] = None) -> Dict[str, Any]:
    """:func:`check_delta`, then add the model's frozen base tensors to the delta, in place.

    After this, ``checkpoint['state_dict']`` is a complete state dict of ``model``; the frozen
    entries reference the model's own tensors (loading them copies nothing). A full (non-delta)
    checkpoint is returned unchanged.

    Args:
        model (nn.Module): The model about to load the checkpoint (base weights loaded).
        checkpoint (dict): The loaded checkpoint.
        allow_base_mismatch (bool): See :func:`check_delta`. Defaults to False.
        fingerprint (str, optional): See :func:`check_delta`. Defaults to None.

    Returns:
        dict: ``checkpoint`` itself.
    """
    if not is_delta(checkpoint):
        return checkpoint
    check_delta(model, checkpoint, allow_base_mismatch, fingerprint)
    checkpoint['state_dict'].update((key, tensor) for key, _, tensor in _frozen_entries(model))
    return checkpoint


def load_delta(model: nn.Module,
               checkpoint: Union[str, Dict[str, Any]],
               allow_base_mismatch: bool = False,
               map_location: str = 'cpu') -> Dict[str, Any]:
    """Load a delta checkpoint into ``model`` (whose frozen backbone holds the base), strictly.

    Args:
        model (nn.Module): The task model, built from the config the delta was trained with.
        checkpoint (str | dict): Path/URL of the delta, or the loaded dict.
        allow_base_mismatch (bool): See :func:`complete_delta`. Defaults to False.
        map_location (str): Where to load tensors. Defaults to ``'cpu'``.

    Returns:
        dict: The completed checkpoint.

    Raises:
        ValueError: If ``checkpoint`` is not a delta.
    """
    if not isinstance(checkpoint, dict):
        checkpoint = _load_checkpoint(checkpoint, map_location=map_location)
    if not is_delta(checkpoint):
        raise ValueError(f'Not a Pro-tuning delta checkpoint (no meta.{DELTA_KEY}); load a full '
                         'checkpoint with mmengine.runner.load_checkpoint instead.')
    complete_delta(model, checkpoint, allow_base_mismatch)
    _unwrap(model).load_state_dict(checkpoint['state_dict'], strict=True)
    return checkpoint


def merge_delta(model: nn.Module,
                checkpoint: Union[str, Dict[str, Any]],
                allow_base_mismatch: bool = False) -> Dict[str, Any]:
    """Delta + the model's base weights -> a full mmengine checkpoint dict.

    The result loads with plain ``mmengine.runner.load_checkpoint`` (mmpretrain/mmdet/mmseg tools
    and inferencers) into the same config's model; everything but the delta's own meta marker
    (``message_hub``, ``optimizer``, ...) is kept, so training can also resume from it.

    Args:
        model (nn.Module): The task model, built from the delta's config (base loaded).
        checkpoint (str | dict): The delta.
        allow_base_mismatch (bool): See :func:`complete_delta`. Defaults to False.

    Returns:
        dict: The full checkpoint; ``meta['protuning_base']`` keeps the base fingerprint.
    """
    checkpoint = load_delta(model, checkpoint, allow_base_mismatch)
    merged = dict(checkpoint)
    merged['meta'] = dict(checkpoint['meta'])
    merged['meta']['protuning_base'] = merged['meta'].pop(DELTA_KEY)
    merged['state_dict'] = weights_to_cpu(_unwrap(model).state_dict())
    return merged


@HOOKS.register_module()
class DeltaCheckpointHook(Hook):
    """Save prompt-only (delta) checkpoints and load them back onto the frozen base.

    Saving: with ``save_delta`` (or, when it is None, the config's top-level ``delta_checkpoint``)
    true, every checkpoint the runner writes leaves out the frozen base tensors and records
    :func:`base_fingerprint` in ``meta['protuning_delta']``. Loading (``--resume``, ``load_from``,
    ``tools/test.py``): a delta is checked against the model's frozen weights (loaded from its
    pre-trained ``init_cfg`` when the model was built) and completed with them; a full
    checkpoint passes through untouched, so the hook is harmless when deltas are off.

    Args:
        save_delta (bool, optional): Write deltas. None reads the config's ``delta_checkpoint``
            (default False). Defaults to None.
        allow_base_mismatch (bool, optional): Load a delta whose fingerprint differs from the
            model's frozen weights (with a warning). None reads the config's
            ``delta_allow_base_mismatch`` (default False). Defaults to None.

    Examples:
        >>> # configs/_base_/protuning_runtime.py lists the hook; switch deltas on with
        >>> # python tools/train.py CONFIG --cfg-options delta_checkpoint=True
        >>> custom_hooks = [dict(type='DeltaCheckpointHook')]
        >>> delta_checkpoint = True
    """
    priority = 'NORMAL'

    def __init__(self, save_delta: Optional[bool] = None, allow_base_mismatch: Optional[bool] = None) -> None:
        self.save_delta = save_delta
        self.allow_base_mismatch = allow_base_mismatch
        self._fingerprint: Optional[str] = None

    def _option(self, runner, value: Optional[bool], key: str) -> bool:
        if value is not None:
            return bool(value)
        cfg = getattr(runner, 'cfg', None)
        return bool(cfg.get(key, False)) if cfg is not None else False

    def _saving(self, runner) -> bool:
        return self._option(runner, self.save_delta, 'delta_checkpoint')

    def before_run(self, runner) -> None:
        if not self._saving(runner):
            return
        ema = [type(h).__name__ for h in runner.hooks if type(h).__name__ == 'EMAHook']
        if ema:  # EMAHook swaps full state dicts on save/load; a delta would break that swap
            raise ValueError('delta_checkpoint=True does not support EMAHook (its averaged copy is a '
                             'full state dict); remove the EMAHook or set delta_checkpoint=False.')
        model = _unwrap(runner.model)
        if not frozen_state_keys(model):
            runner.logger.warning('delta_checkpoint=True, but no ProTuningBackbone in the model freezes '
                                  'its backbone (paradigm full/protuning+full/scratch?): checkpoints '
                                  'hold the whole model.')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if not self._saving(runner):
            return
        model = _unwrap(runner.model)
        if self._fingerprint is None:  # frozen weights do not change during a run: hash once
            self._fingerprint = base_fingerprint(model)
        to_delta(model, checkpoint, self._fingerprint)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not is_delta(checkpoint):
            return
        model = _unwrap(runner.model)
        complete_delta(model, checkpoint,
                       self._option(runner, self.allow_base_mismatch, 'delta_allow_base_mismatch'))
        info = checkpoint['meta'][DELTA_KEY]
        runner.logger.info(f'Loaded a Pro-tuning delta checkpoint: trained tensors from the file, '
                           f'{info["num_frozen_tensors"]} frozen tensors from the model\'s base '
                           f'(fingerprint {info["fingerprint"][:16]}... verified).')


def check_delta_checkpoint_cfg(cfg: Mapping) -> None:
    """Refuse ``delta_checkpoint=True`` in a config whose hooks lack :class:`DeltaCheckpointHook`.

    The switch is read only by the hook, so without it every checkpoint would silently be full
    (and a later delta resume would not be completed). ``tools/train.py`` and
    :class:`~protuning_mm.engine.ProTuningRunner` call this before building the runner.

    Args:
        cfg (Mapping): The training config (``delta_checkpoint``, ``custom_hooks``, ``default_hooks``).

    Raises:
        ValueError: If ``delta_checkpoint`` is true and no hook is a ``DeltaCheckpointHook``.
    """
    if not cfg.get('delta_checkpoint', False):
        return
    hooks = list(cfg.get('custom_hooks') or [])
    hooks += list((cfg.get('default_hooks') or {}).values())
    for hook in hooks:
        kind = hook.get('type') if isinstance(hook, Mapping) else hook
        if isinstance(kind, str):
            kind = kind.split('.')[-1]  # a scoped name such as 'protuning_mm.DeltaCheckpointHook'
        if kind == 'DeltaCheckpointHook' or isinstance(kind, DeltaCheckpointHook) or \
                (isinstance(kind, type) and issubclass(kind, DeltaCheckpointHook)):
            return
    raise ValueError("delta_checkpoint=True, but the config's hooks have no DeltaCheckpointHook, which is "
                     "what writes delta checkpoints: add `custom_hooks = [..., dict(type='DeltaCheckpointHook')]` "
                     "(configs/_base_/protuning_runtime.py lists it) or set delta_checkpoint=False.")
