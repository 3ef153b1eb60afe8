"""SharedBackbone: what the ProTuningBackbone wrappers change on an inner backbone, in one object.

One frozen inner backbone may run the prompts of several task wrappers (multi-task serving,
:class:`protuning_mm.apis.MultiTaskInferencer`). Everything the wrappers do to it at run time is
held and undone here, not written as attributes on the upstream module (as peft keeps its active
adapter on its own layers):

* ``module``: the inner backbone itself;
* the forward hooks each wrapper installed on its submodules (context and prompt hooks), by wrapper;
* ``active``: the wrapper whose prompts run now (the others' hooks pass outputs through);
* the activation-checkpointed forwards of its blocks (``with_cp``), while any wrapper asks for them.

Wrappers on one module share one instance: the first wrapper creates it, and a wrapper handed another's
backbone (:meth:`ProTuningBackbone.share_backbone`) takes that wrapper's.
"""
from functools import partial
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
from torch.utils.hooks import RemovableHandle

from .activation_checkpointing import checkpointed_call


def _forward_is(module: nn.Module, function: Callable) -> bool:
    """Whether ``module``'s instance ``forward`` is a ``partial`` of ``function`` (one installed here)."""
    forward = vars(module).get('forward')
    return isinstance(forward, partial) and forward.func is function


class SharedBackbone:
    """The run-time state of one inner backbone and the wrappers running on it.

    Not an ``nn.Module``: the module tree (and so the state dict, ``backbone.*``) is unchanged.
    ``copy.deepcopy`` of a wrapper copies it along with the module.

    Args:
        module (nn.Module): The inner backbone.
        checkpointed_call (Callable): What runs a checkpointed block (the speed-up layer has its own variant).
            Defaults to :func:`.activation_checkpointing.checkpointed_call`.
    """

    def __init__(self, module: nn.Module, checkpointed_call: Callable = checkpointed_call) -> None:
        self.module = module
        self.active: Optional[Any] = None
        self._hooks: Dict[Any, List[Tuple[nn.Module, RemovableHandle]]] = {}
        self._checkpointing_owners: List[Any] = []
        self._blocks: List[nn.Module] = []
        self._checkpointed_call = checkpointed_call

    # -- hooks -----------------------------------------------------------------------------------
    def set_hooks(self, owner: Any, hooks: Sequence[Tuple[str, Callable]]) -> None:
        """Install ``owner``'s forward hooks, ``(submodule name, hook)`` pairs, replacing its old ones.

        A hook should act only while ``owner`` is :attr:`active` (check :meth:`is_active`).
        """
        self._remove_hooks(owner)
        entries = []
        for name, hook in hooks:
            sub = self.module.get_submodule(name)
            entries.append((sub, sub.register_forward_hook(hook)))
        self._hooks[owner] = entries
        self._update_checkpointing()

    def remove(self, owner: Any) -> None:
        """Undo all ``owner`` did: its hooks, its checkpointing request and its activation."""
        self._remove_hooks(owner)
        if owner in self._checkpointing_owners:
            self._checkpointing_owners.remove(owner)
        if self.active is owner:
            self.active = None
        self._update_checkpointing()

    def _remove_hooks(self, owner: Any) -> None:
        for _, handle in self._hooks.pop(owner, []):
            handle.remove()

    @property
    def owners(self) -> List[Any]:
        """The wrappers with hooks installed on this backbone, in installation order."""
        return list(self._hooks)

    # -- which wrapper runs ----------------------------------------------------------------------
    def activate(self, owner: Any) -> None:
        """Make ``owner``'s hooks act and every other owner's pass through: a pointer assignment."""
        if owner not in self._hooks:
            raise ValueError('Only a wrapper with hooks on this backbone (set_hooks) can be activated.')
        self.active = owner

    def is_active(self, owner: Any) -> bool:
        return self.active is owner

    # -- activation checkpointing (with_cp) ------------------------------------------------------
    def checkpoint_blocks(self, owner: Any, blocks: Sequence[nn.Module]) -> List[nn.Module]:
        """Run ``blocks`` through activation checkpointing until ``owner`` stops asking for it.

        The block's ``forward`` attribute is replaced, not its ``__call__``, so forward hooks on
        the block itself (ViT layers and timm stages carry prompt hooks) still run once, outside
        the checkpointed region. A block that *contains* a hooked module is left alone: its
        recomputation would re-run prompts and context hooks in backward.

        Returns:
            list[nn.Module]: The blocks left without checkpointing.
        """
        if owner not in self._checkpointing_owners:
            self._checkpointing_owners.append(owner)
        self._blocks = list(blocks)
        return self._update_checkpointing()

    def stop_checkpointing(self, owner: Any) -> None:
        """Withdraw ``owner``'s request; the blocks get their own forward back when none is left."""
        if owner in self._checkpointing_owners:
            self._checkpointing_owners.remove(owner)
        self._update_checkpointing()

    @property
    def checkpointed_blocks(self) -> List[nn.Module]:
        """The blocks whose forward is checkpointed now."""
        return [b for b in self._blocks if _forward_is(b, self._checkpointed_call)]

    def _update_checkpointing(self) -> List[nn.Module]:
        """Install or remove the checkpointed forwards after a change of requests or hooks."""
        hooked = [sub for entries in self._hooks.values() for sub, _ in entries]
        wanted = bool(self._checkpointing_owners)
        call = self._checkpointed_call
        skipped = []
        for block in self._blocks:
            contains_hook = any(m is sub for m in block.modules() if m is not block for sub in hooked)
            if wanted and not contains_hook and 'forward' not in vars(block):
                block.forward = partial(call, block, type(block).forward)
            elif (not wanted or contains_hook) and _forward_is(block, call):
                del block.forward
            if wanted and not _forward_is(block, call):
                skipped.append(block)  # contains a hook, or its forward is someone else's patch
        if not wanted:
            self._blocks = []
        return skipped
