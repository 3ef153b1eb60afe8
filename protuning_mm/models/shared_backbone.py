"""SharedBackbone: what the ProTuningBackbone wrappers change on an inner backbone, in one object.

One frozen inner backbone may run the prompts of several task wrappers (multi-task serving,
:class:`protuning_mm.apis.MultiTaskInferencer`). Everything the wrappers do to it at run time is
held and undone here, not written as attributes on the upstream module (as peft keeps its active
adapter on its own layers):

* ``module``: the inner backbone itself;
* the forward hooks each wrapper installed on its submodules (context and prompt hooks), by wrapper;
* ``active``: the wrapper whose prompts run now (the others' hooks pass outputs through);
* the activation-checkpointed forwards of its blocks (``with_cp``), while any wrapper asks for them;
* the affine forwards of its frozen BatchNorm layers (:mod:`.frozen_norm`), while any wrapper on it trains.

Wrappers on one module share one instance: :meth:`SharedBackbone.of` returns it.
"""
import weakref
from functools import partial
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
from torch.utils.hooks import RemovableHandle

from .activation_checkpointing import checkpointed_call
from .frozen_norm import frozen_norm_forward, use_frozen_norm_forward


def _forward_is(module: nn.Module, function: Callable) -> bool:
    """Whether ``module``'s instance ``forward`` is a ``partial`` of ``function`` (one installed here)."""
    forward = vars(module).get('forward')
    return isinstance(forward, partial) and forward.func is function


# id(module) -> its SharedBackbone, so that a wrapper handed a bare inner module (share_backbone)
# finds the state the other wrappers use. Weak values: an entry lives as long as its state, and
# the state holds the module, so the id cannot be reused meanwhile.
_STATES: 'weakref.WeakValueDictionary[int, SharedBackbone]' = weakref.WeakValueDictionary()


class SharedBackbone:
    """The run-time state of one inner backbone and the wrappers running on it.

    Not an ``nn.Module``: the module tree (and so the state dict, ``backbone.*``) is unchanged.
    Use :meth:`of` to get it; ``copy.deepcopy`` of a wrapper copies it along with the module.

    Args:
        module (nn.Module): The inner backbone.
    """

    def __init__(self, module: nn.Module) -> None:
        if _STATES.get(id(module)) is not None:
            raise ValueError('This module already has a SharedBackbone; use SharedBackbone.of(module).')
        self.module = module
        self.active: Optional[Any] = None
        self._hooks: Dict[Any, List[Tuple[nn.Module, RemovableHandle]]] = {}
        self._checkpointing_owners: List[Any] = []
        self._blocks: List[nn.Module] = []
        _STATES[id(module)] = self

    @classmethod
    def of(cls, module: nn.Module) -> 'SharedBackbone':
        """The state the wrappers of ``module`` share; a new one if no wrapper runs on it yet."""
        state = _STATES.get(id(module))
        return state if state is not None else cls(module)

    def __setstate__(self, state: dict) -> None:
        # copy.deepcopy / pickle: the copy is the state of the copied module.
        self.__dict__.update(state)
        _STATES[id(self.module)] = self

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
        self.update_frozen_norms()  # the last wrapper gone (or the last one training): norms' own forwards

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

    # -- frozen BatchNorm -------------------------------------------------------------------------
    def update_frozen_norms(self) -> None:
        """Frozen BatchNorm layers run the affine forward of :mod:`.frozen_norm` while a wrapper on the
        module is in training mode (autograd then stores no input for them), their class's own otherwise.

        Call it whenever a wrapper's mode changes; in training mode it also reaches layers that replaced
        others since (``revert_sync_batchnorm``). Only for training: at inference the fused BatchNorm
        kernel runs either way, and an instance ``forward`` costs ``torch.compile`` of an evaluated
        model 13 guards per layer (and as many guard accessors; ~700 each on ResNet-50), checked
        before every call.
        """
        if any(getattr(owner, 'training', False) for owner in self._hooks):
            use_frozen_norm_forward(self.module)
            return
        for m in self.module.modules():
            if _forward_is(m, frozen_norm_forward):
                del m.forward

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
        return [b for b in self._blocks if _forward_is(b, checkpointed_call)]

    def _update_checkpointing(self) -> List[nn.Module]:
        """Install or remove the checkpointed forwards after a change of requests or hooks."""
        hooked = {id(sub) for entries in self._hooks.values() for sub, _ in entries}
        wanted = bool(self._checkpointing_owners)
        skipped = []
        for block in self._blocks:
            contains_hook = any(id(m) in hooked for m in block.modules() if m is not block)
            if wanted and not contains_hook and 'forward' not in vars(block):
                block.forward = partial(checkpointed_call, block, type(block).forward)
            elif (not wanted or contains_hook) and _forward_is(block, checkpointed_call):
                del block.forward
            if wanted and not _forward_is(block, checkpointed_call):
                skipped.append(block)  # contains a hook, or its forward is someone else's patch
        if not wanted:
            self._blocks = []
        return skipped
