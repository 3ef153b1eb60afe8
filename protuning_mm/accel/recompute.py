"""Memory mode: a prompted map that enters a checkpointed block is recomputed in backward, not stored.

Each stage's prompt blocks run in a checkpoint of their own, which keeps the stage output ``x``; the next
checkpointed block would keep the prompted ``x + beta * f(x)`` too. Here the prompted map carries its
recipe (the blocks and ``x``), which that block stores instead, recomputing the map in backward.
"""
import weakref
from typing import Any, Callable

import torch
import torch.nn as nn
from torch.autograd.graph import saved_tensors_hooks
from torch.utils._pytree import tree_flatten

from ..models.activation_checkpointing import checkpointed_call as plain_checkpointed_call, grad_flows, keep_norm_statistics

# The recipe's key in the metadata of the prompted map's grad_fn: the mark lives as long as that node.
_RECIPE = 'protuning_recompute'


class _Recompute:
    """``module(source)`` again, in the forward's autocast state, without touching BatchNorm statistics.

    It holds ``source`` weakly: the mark lives as long as the prompted map's grad_fn, which is until the whole
    backward ends, while ``source`` must be freed once the blocks that use it have run their backward. The
    checkpoint that stores the recipe holds ``source`` itself (see ``pack``).
    """

    def __init__(self, module: nn.Module, source: torch.Tensor) -> None:
        self.module, self.source = module, weakref.ref(source)
        self.device_type = source.device.type
        self.autocast = torch.is_autocast_enabled(self.device_type)
        self.autocast_dtype = torch.get_autocast_dtype(self.device_type)

    def __call__(self, source: torch.Tensor) -> torch.Tensor:
        with torch.no_grad(), keep_norm_statistics(self.module), torch.autocast(
                self.device_type, dtype=self.autocast_dtype, enabled=self.autocast):
            return self.module(source)


def prompted_and_marked(prompt: nn.Module, fmap: torch.Tensor) -> torch.Tensor:
    """``prompt(fmap)`` in its own checkpoint (memory mode), marked to be recomputed by the next checkpoint."""
    prompted = plain_checkpointed_call(prompt, type(prompt).__call__, fmap)
    if prompted.grad_fn is not None:
        prompted.grad_fn.metadata[_RECIPE] = _Recompute(prompt, fmap)
    return prompted


def _recipe(t: Any) -> Any:
    return t.grad_fn.metadata.get(_RECIPE) if isinstance(t, torch.Tensor) and t.grad_fn is not None else None


def checkpointed_call(module: nn.Module, function: Callable, *args, **kwargs) -> Any:
    """The reference ``checkpointed_call``; an input marked by :func:`prompted_and_marked` is stored as its recipe."""
    if not any(_recipe(t) for t in tree_flatten((args, kwargs))[0]) or not grad_flows(module, args, kwargs):
        return plain_checkpointed_call(module, function, *args, **kwargs)

    def pack(t: torch.Tensor) -> Any:  # checkpoint() saves its inputs through these (its own hooks act inside)
        recipe = _recipe(t)
        source = recipe.source() if recipe is not None else None
        return t if source is None else (recipe, source)  # stored until this checkpoint's backward

    def unpack(packed: Any) -> torch.Tensor:
        return packed[0](packed[1]) if isinstance(packed, tuple) else packed

    with saved_tensors_hooks(pack, unpack):
        return plain_checkpointed_call(module, function, *args, **kwargs)


checkpointed_call.__wrapped__ = plain_checkpointed_call  # a variant of it (for inspect.unwrap)
