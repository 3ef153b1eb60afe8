"""A learning rate of their own for the prompt blocks (applied from the config by ``ProTuningRunner``).

Pro-tuning trains two very different things with one optimizer: a task head fed by the frozen features,
and prompt blocks buried inside the frozen backbone whose effect passes through every later stage.
At the learning rate that suits the head, the prompts barely move within a fine-tuning schedule, and
Pro-tuning ends next to head retraining (docs/prompt_recipe.md measures it). mmengine gives each
parameter group its own rate through ``paramwise_cfg.custom_keys``; this module fills those keys in
for the prompt parameters, found by structure (the blocks of every :class:`ProTuningBackbone`), so a
config states one number, ``prompt_lr_mult`` (``configs/_base_/protuning_runtime.py``), per optimizer
type instead of parameter-name patterns.
"""
import copy
import logging
from typing import Dict, Optional, Union

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from ..models import PromptBlock

PromptLrMult = Union[float, Dict[str, float]]


def resolve_prompt_lr_mult(prompt_lr_mult: Optional[PromptLrMult], optimizer_type: str) -> float:
    """The multiplier for an optimizer type from a number or a per-type table.

    Args:
        prompt_lr_mult (float | dict, optional): One multiplier, or ``{optimizer type: multiplier}``
            where the key ``'default'`` covers the types not listed. None means 1.
        optimizer_type (str): ``optim_wrapper.optimizer.type``, e.g. ``'SGD'`` or ``'AdamW'``.

    Returns:
        float: The multiplier (1.0 when neither the type nor a default is listed).
    """
    if prompt_lr_mult is None:
        return 1.0
    if isinstance(prompt_lr_mult, (int, float)):
        return float(prompt_lr_mult)
    if not isinstance(prompt_lr_mult, dict):
        raise TypeError(f'prompt_lr_mult must be a number or a dict of optimizer type -> number, '
                        f'got {prompt_lr_mult!r}.')
    # Types may be given with a scope ('mmpretrain.AdamW'); the table uses the bare class name.
    bare = optimizer_type.rsplit('.', 1)[-1]
    return float(prompt_lr_mult.get(bare, prompt_lr_mult.get('default', 1.0)))


def prompt_param_keys(model: nn.Module) -> Dict[str, bool]:
    """Exact names of the prompt parameters of ``model``, each mapped to whether it is a beta.

    Args:
        model (nn.Module): Any model, possibly wrapped (DDP).

    Returns:
        dict[str, bool]: ``{parameter name: is_beta}`` for every trainable prompt parameter.
    """
    if is_model_wrapper(model):
        model = model.module
    blocks = [m for m in model.modules() if isinstance(m, PromptBlock)]
    betas = {id(b.beta) for b in blocks}
    owned = {id(p) for b in blocks for p in b.parameters()}
    # named_parameters gives the names the optimizer constructor matches, prefixes included.
    return {name: id(p) in betas for name, p in model.named_parameters() if id(p) in owned and p.requires_grad}


def with_prompt_lr_mult(optim_wrapper: dict, model: nn.Module,
                        prompt_lr_mult: Optional[PromptLrMult]) -> dict:
    """A copy of an ``optim_wrapper`` config in which the prompt parameters get their multiplier.

    Each prompt parameter gets an exact-name ``custom_keys`` entry (mmengine matches keys as
    substrings and the longest wins, so these take precedence over broader keys such as ``'.beta'``)
    with ``lr_mult``; betas also get ``decay_mult=0``: weight decay would pull the blend weight
    towards 0, i.e. switch the prompts off. A parameter the user's config already names exactly
    keeps the user's setting.

    Args:
        optim_wrapper (dict): The config's ``optim_wrapper`` (one optimizer).
        model (nn.Module): The model the optimizer will train.
        prompt_lr_mult (float | dict, optional): See :func:`resolve_prompt_lr_mult`.

    Returns:
        dict: The new config (the argument is not modified).
    """
    optimizer = optim_wrapper.get('optimizer')
    if not isinstance(optimizer, dict) or 'type' not in optimizer:
        print_log('prompt_lr_mult: the optim_wrapper has no single `optimizer` (e.g. an OptimWrapperDict); '
                  'set paramwise_cfg.custom_keys for the prompt parameters yourself.', logger='current',
                  level=logging.WARNING)
        return optim_wrapper
    mult = resolve_prompt_lr_mult(prompt_lr_mult, str(optimizer['type']))
    keys = prompt_param_keys(model)
    if not keys or mult == 1.0:
        return optim_wrapper
    # Plain dicts, assembled and assigned back: a ConfigDict's setdefault stores a converted copy,
    # so filling the returned default in place would be lost.
    optim_wrapper = copy.deepcopy(optim_wrapper)
    paramwise = dict(optim_wrapper.get('paramwise_cfg') or {})
    custom = dict(paramwise.get('custom_keys') or {})
    for name, is_beta in keys.items():
        if name in custom:
            continue  # the user named this parameter exactly: theirs wins
        # decay_mult only where the optimizer decays at all (mmengine rejects it otherwise).
        no_decay = is_beta and optimizer.get('weight_decay') is not None
        custom[name] = dict(lr_mult=mult, decay_mult=0.0) if no_decay else dict(lr_mult=mult)
    paramwise['custom_keys'] = custom
    optim_wrapper['paramwise_cfg'] = paramwise
    print_log(f'Prompt parameters ({len(keys)} tensors) train at {mult:g}x the base learning rate of '
              f'{optimizer["type"]} (prompt_lr_mult; betas without weight decay).', logger='current')
    return optim_wrapper
