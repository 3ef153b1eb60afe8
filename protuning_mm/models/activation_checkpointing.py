"""Activation checkpointing of named submodules and methods, switched on from a config.

mmengine's Runner reads ``activation_checkpointing = ['neck', ...]`` and wraps each named module's
``forward`` in ``torch.utils.checkpoint`` with the reentrant variant and positional arguments
only. A reentrant checkpoint only sees tensors passed directly as arguments: a decode head's
``forward(inputs)`` gets a *list* of feature maps, so the region would look constant to autograd
and the gradient to everything before it (the prompt blocks) would silently be lost.
:class:`~protuning_mm.engine.ProTuningRunner` therefore takes the same config key and applies
:func:`turn_on_activation_checkpointing` instead:

* non-reentrant checkpointing (nested tensors, keyword arguments and non-tensor outputs work);
* a region is checkpointed only when gradients will flow through it, so evaluation and frozen
  parts cost nothing extra;
* BatchNorm running statistics are restored after the backward-time recomputation, so they are
  what one forward would have left (the recomputation would otherwise update them twice);
* names are module paths (``'decode_head.fpn_bottleneck'``), ``fnmatch`` patterns matched per
  dotted component (``'decode_head.fpn_convs.*'``: each FPN conv, not the layers inside them)
  or ``<module path>.<method>`` for a method that is not ``forward``
  (``'decode_head.loss_by_feat'``: the logits upsampled to label size and the loss
  are then recomputed in backward instead of stored).

Gradients are unchanged (``tests/test_activation_checkpointing.py``); a step costs one more
forward of each checkpointed region.
"""
import contextlib
import fnmatch
import inspect
from functools import partial
from typing import Any, Callable, Iterator, List, Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch.utils._pytree import tree_flatten
from torch.utils.checkpoint import checkpoint

__all__ = ['turn_on_activation_checkpointing', 'checkpointed_call', 'grad_flows', 'keep_norm_statistics']


def grad_flows(module: nn.Module, *inputs: Any) -> bool:
    """Whether autograd will store activations of ``module`` run on ``inputs``.

    Regions that see no tensor requiring grad and own no trainable parameter (evaluation, or
    frozen blocks before the first prompt) store nothing, so checkpointing them would only cost time.
    """
    return torch.is_grad_enabled() and (
        any(isinstance(t, torch.Tensor) and t.requires_grad for t in tree_flatten(inputs)[0])
        or any(p.requires_grad for p in module.parameters()))


@contextlib.contextmanager
def keep_norm_statistics(module: nn.Module) -> Iterator[None]:
    """Undo what a recomputation does to the running statistics of BatchNorm layers in training mode."""
    norms = [m for m in module.modules()
             if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.training and m.track_running_stats]
    saved = [(m, m.running_mean.clone(), m.running_var.clone(), m.num_batches_tracked.clone())
             for m in norms]
    try:
        yield
    finally:
        with torch.no_grad():
            for m, mean, var, count in saved:
                m.running_mean.copy_(mean)
                m.running_var.copy_(var)
                m.num_batches_tracked.copy_(count)


def _contexts(module: nn.Module) -> Tuple[Any, Any]:
    return contextlib.nullcontext(), keep_norm_statistics(module)


def checkpointed_call(module: nn.Module, function: Callable, *args, **kwargs) -> Any:
    """``function(module, *args, **kwargs)``, checkpointed when gradients will flow through it.

    Args:
        module (nn.Module): The module the function belongs to (whose parameters and BatchNorm
            layers the region covers).
        function (Callable): The unbound method (``type(module).forward``), so that the
            ``functools.partial`` this is installed as deep-copies with the module.
    """
    bound = function.__get__(module)
    if not grad_flows(module, args, kwargs):
        return bound(*args, **kwargs)
    return checkpoint(bound, *args, use_reentrant=False, context_fn=partial(_contexts, module), **kwargs)


def _matches(path: str, pattern: str) -> bool:
    """``fnmatch`` per dotted component: ``'decode_head.fpn_convs.*'`` names the convs, not their parts."""
    parts, wanted = path.split('.'), pattern.split('.')
    return len(parts) == len(wanted) and all(fnmatch.fnmatchcase(p, w) for p, w in zip(parts, wanted))


def _resolve(model: nn.Module, name: str) -> List[Tuple[str, nn.Module, str]]:
    """``name`` -> [(module path, module, method)] it designates."""
    modules = dict(model.named_modules())
    if any(c in name for c in '*?['):
        hits = [(path, m, 'forward') for path, m in modules.items() if path and _matches(path, name)]
    elif name in modules:
        hits = [(name, modules[name], 'forward')]
    else:
        path, _, method = name.rpartition('.')
        owner = modules.get(path)
        if owner is None or not callable(getattr(type(owner), method, None)):
            top = sorted(n for n in modules if n and '.' not in n)
            raise ValueError(f'activation_checkpointing: {name!r} names no module (or method of one) '
                             f'in {type(model).__name__}; its top-level modules are {top}.')
        hits = [(path, owner, method)]
    if not hits:
        raise ValueError(f'activation_checkpointing: the pattern {name!r} matches no module of '
                         f'{type(model).__name__}.')
    return hits


def turn_on_activation_checkpointing(model: nn.Module, names: Union[str, Sequence[str]]) -> List[str]:
    """Checkpoint the named submodules (their ``forward``) or methods of ``model``.

    Args:
        model (nn.Module): The model (unwrapped from DDP).
        names (str | Sequence[str]): Module paths, ``fnmatch`` patterns over module paths, or
            ``<module path>.<method>``. Regions may nest.

    Returns:
        list[str]: What was wrapped, as ``<path>.<method>``.

    Raises:
        ValueError: A name matches nothing (the message lists the model's top-level modules), or
            the method was already replaced by something else.
    """
    if isinstance(names, str):
        names = [names]
    wrapped = []
    for name in names:
        for path, module, method in _resolve(model, name):
            current = module.__dict__.get(method)
            if isinstance(current, partial) and inspect.unwrap(current.func) is checkpointed_call:
                continue  # listed twice (e.g. by a pattern and by name)
            if current is not None:
                raise ValueError(f'activation_checkpointing: {path}.{method} was already replaced '
                                 f'({current!r}); cannot checkpoint it too.')
            setattr(module, method, partial(checkpointed_call, module, getattr(type(module), method)))
            wrapped.append(f'{path}.{method}' if path else method)
    return wrapped
