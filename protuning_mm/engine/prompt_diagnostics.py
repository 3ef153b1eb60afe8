"""A hook that logs what the prompt blocks do while training: beta, prompt strength, gradient norm.

Pro-tuning blends each prompt into a frozen stage as ``x + beta * f(x)`` (paper Eq. 1). Whether the
prompts actually act, and how hard, is not visible in the loss; this hook measures it on a few
iterations, at almost no cost, and writes it where the loss goes (visualizer backends and text log).
"""
import math
from functools import partial
from typing import Any, Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict
from mmengine.registry import HOOKS

from ..models import PromptBlock, ProTuningBackbone


def prompt_units(model: nn.Module) -> Dict[str, PromptBlock]:
    """The prompt blocks of every :class:`ProTuningBackbone` in ``model``, by diagnostics name.

    A position holding one block is named by its key in the wrapper's ``prompts`` (``'layer1'``);
    with several stacked blocks (``blocks_per_position``) each block is its own unit,
    ``'<position>.<k>'`` (``'layer1.0'``, ``'layer1.1'``). With several wrappers in one model
    (multi-task) the names start with the wrapper's module path (``'backbone.layer1'``).

    Args:
        model (nn.Module): Any model, possibly wrapped (DDP).

    Returns:
        dict[str, PromptBlock]: Ordered by wrapper, then position, then block.
    """
    if is_model_wrapper(model):
        model = model.module
    wrappers = [(path, m) for path, m in model.named_modules() if isinstance(m, ProTuningBackbone)]
    units: Dict[str, PromptBlock] = {}
    for path, wrapper in wrappers:
        prefix = f'{path}.' if len(wrappers) > 1 else ''
        for position, blocks in wrapper.prompts.items():
            for k, block in enumerate(blocks):
                units[f'{prefix}{position}' if len(blocks) == 1 else f'{prefix}{position}.{k}'] = block
    return units


def _squared_norm(t: torch.Tensor) -> torch.Tensor:
    # float32 accumulation: under AMP the squares of a half-precision map overflow.
    return torch.linalg.vector_norm(t, dtype=torch.float32).square()


@HOOKS.register_module()
class PromptDiagnosticsHook(Hook):
    """Log beta, prompt strength and gradient norm of every prompt block during training.

    On training iteration 1 and every ``interval``-th iteration (1-based, as in the log lines) it
    writes, for each prompt unit of :func:`prompt_units` (a position, or ``<position>.<k>`` with
    stacked blocks):

    - ``prompt/<unit>/beta``: the block's beta after the iteration's optimizer step;
    - ``prompt/<unit>/strength``: ``||beta * f(x)|| / ||x||`` on that iteration's forward
      (Frobenius norms over the whole batch): how much the prompt changes the frozen feature map.
      A fresh block has a zero last conv, so it is exactly 0 on iteration 1;
    - ``prompt/<unit>/grad_norm``: the L2 norm of the gradients of the block's trainable
      parameters (beta included) as the optimizer receives them, i.e. after DDP averaging, AMP
      unscaling, gradient accumulation and clipping. Missing on an iteration without an optimizer
      step (gradient accumulation, or an AMP step skipped for inf/NaN gradients).

    The scalars go to ``runner.visualizer.add_scalars`` at ``step = iteration`` (the step the
    LoggerHook gives the loss), i.e. to every visualizer backend: TensorBoard, or the
    LocalVisBackend's ``vis_data/scalars.json``; and as one line to the text log, with the same keys.
    They are deliberately not put in the message hub: the LoggerHook would copy every message-hub
    scalar into the visualizer again at its own interval, with the value of the last measurement,
    giving each tag a second, stale series.

    Measuring costs nothing on the other iterations: strength is read by forward hooks, and
    gradients by an optimizer step pre-hook (mmengine zeroes gradients right after the step, before
    ``after_train_iter``), all registered in ``before_train_iter`` of a logging iteration and removed
    in its ``after_train_iter``. The hooks only read detached tensors; nothing is recomputed. With
    activation checkpointing the prompt blocks run again in backward; both norms are summed over
    every call, so the ratio is unchanged.

    A model without prompt blocks (e.g. ``paradigm='head'``) makes the hook a no-op (one info line).

    Args:
        interval (int): Log every ``interval`` training iterations (and on the first).
            Defaults to 50.

    Examples:
        >>> # configs/_base_/protuning_runtime.py lists the hook (third of its custom_hooks), so
        >>> # every shipped config logs it; another interval for one run:
        >>> # python tools/train.py CONFIG --cfg-options custom_hooks.2.interval=10
        >>> # A config that does not inherit the runtime base:
        >>> custom_hooks = [dict(type='PromptDiagnosticsHook', interval=10)]
    """
    priority = 'LOW'  # after the LoggerHook, so the diagnostics line follows the iteration's loss line

    def __init__(self, interval: int = 50) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'PromptDiagnosticsHook: interval must be a positive int, got {interval!r}.')
        self.interval = interval
        self._units: Dict[str, PromptBlock] = {}
        self._params: Dict[str, List[nn.Parameter]] = {}
        self._optimizers: List[torch.optim.Optimizer] = []
        self._handles: List[Any] = []
        self._squares: Dict[str, torch.Tensor] = {}  # unit -> (sum of ||x||^2, sum of ||out - x||^2)
        self._grad_norms: Dict[str, torch.Tensor] = {}

    def before_train(self, runner) -> None:
        self._units = prompt_units(runner.model)
        if not self._units:
            runner.logger.info('PromptDiagnosticsHook: the model has no prompt blocks (e.g. paradigm '
                               '"head"); no prompt diagnostics will be logged.')
            return
        self._params = {name: [p for p in block.parameters() if p.requires_grad]
                        for name, block in self._units.items()}
        trainable = {id(p) for params in self._params.values() for p in params}
        optim_wrapper = runner.optim_wrapper
        wrappers = optim_wrapper.values() if isinstance(optim_wrapper, OptimWrapperDict) else [optim_wrapper]
        optimizers = [getattr(w, 'optimizer', None) for w in wrappers]
        self._optimizers = [opt for opt in optimizers if opt is not None and any(
            id(p) in trainable for group in opt.param_groups for p in group['params'])]

    def _due(self, runner) -> bool:
        return bool(self._units) and (runner.iter == 0 or self.every_n_train_iters(runner, self.interval))

    def before_train_iter(self, runner, batch_idx: int, data_batch: Optional[Any] = None) -> None:
        self._remove_hooks()  # left over only if the previous iteration raised
        self._squares.clear()
        self._grad_norms.clear()
        if not self._due(runner):
            return
        self._handles = [block.register_forward_hook(partial(self._record_strength, name))
                         for name, block in self._units.items()]
        self._handles += [opt.register_step_pre_hook(self._record_grad_norms) for opt in self._optimizers]

    def _record_strength(self, name: str, module: nn.Module, args: tuple, output: torch.Tensor) -> None:
        with torch.no_grad():
            x = args[0].detach()
            squares = torch.stack([_squared_norm(x), _squared_norm(output.detach() - x)])
        # Summed over calls: a checkpointed block recomputed in backward adds the same values to
        # both sums, which leaves the ratio unchanged.
        self._squares[name] = self._squares[name] + squares if name in self._squares else squares

    def _record_grad_norms(self, optimizer: torch.optim.Optimizer, args: tuple, kwargs: dict) -> None:
        with torch.no_grad():
            for name, params in self._params.items():
                grads = [_squared_norm(p.grad.detach()) for p in params if p.grad is not None]
                if grads:
                    self._grad_norms[name] = torch.stack(grads).sum().sqrt()

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[Any] = None,
                         outputs: Optional[dict] = None) -> None:
        if not self._handles:
            return
        self._remove_hooks()
        scalars: Dict[str, float] = {}
        for name, block in self._units.items():
            scalars[f'prompt/{name}/beta'] = float(block.beta.detach())
            if name in self._squares:
                x_sq, prompt_sq = self._squares[name].tolist()
                scalars[f'prompt/{name}/strength'] = math.sqrt(prompt_sq / x_sq) if x_sq > 0 else 0.0
            if name in self._grad_norms:
                scalars[f'prompt/{name}/grad_norm'] = float(self._grad_norms[name])
        step = runner.iter + 1
        runner.visualizer.add_scalars(scalars, step=step)
        runner.logger.info(f'Prompt diagnostics, iter {step}: '
                           + '  '.join(f'{k}: {v:.4g}' for k, v in scalars.items()))

    def after_train(self, runner) -> None:
        self._remove_hooks()

    def _remove_hooks(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
