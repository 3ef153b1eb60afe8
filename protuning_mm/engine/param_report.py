"""A table of trainable parameters per module group, and a hook that logs it when training starts."""
import re
from typing import List, Optional, Tuple

import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ..models.prompt_block import PromptBlock
from ..models.protuning_backbone import ProTuningBackbone

Row = Tuple[str, int, int]  # (group, trainable, total)
# The totals row param_report() writes: | **all** | **<trainable> (<M>M)** | <total> (<M>M) |
_TOTALS_ROW = re.compile(r'\| \*\*all\*\* \| \*\*([\d,]+) \([\d.]+M\)\*\* \| ([\d,]+) \(')


def _count(params) -> Tuple[int, int]:
    params = list(params)
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)


def param_groups(model: nn.Module) -> List[Row]:
    """Trainable and total parameter counts per group.

    Every :class:`ProTuningBackbone` found in ``model`` is split into its inner backbone, its prompt
    blocks (without beta) and beta; every other top-level child of ``model`` (neck, heads, ...) is
    one group.

    Args:
        model (nn.Module): Any model, e.g. an mmdet detector or mmpretrain classifier.

    Returns:
        list[tuple[str, int, int]]: ``(group, trainable, total)`` rows.
    """
    if is_model_wrapper(model):
        model = model.module
    rows: List[Row] = []
    seen = set()
    for path, module in model.named_modules():
        if not isinstance(module, ProTuningBackbone):
            continue
        prefix = f'{path}.' if path else ''
        # beta is found by structure (each PromptBlock's own ``beta`` tensor), not by a name suffix,
        # so a parameter inside f(x) that happens to end in 'beta' stays with the blocks. A fixed beta
        # is a buffer, not a parameter: it is in neither list.
        beta_ids = {id(block.beta) for block in module.prompts.modules() if isinstance(block, PromptBlock)}
        betas = [p for p in module.prompts.parameters() if id(p) in beta_ids]
        others = [p for p in module.prompts.parameters() if id(p) not in beta_ids]
        rows.append((f'{prefix}backbone ({type(module.backbone).__name__}, {module.paradigm.name})',
                     *_count(module.backbone.parameters())))
        rows.append((f'{prefix}prompts ({sum(len(s) for s in module.prompts.values())} blocks)',
                     *_count(others)))
        rows.append((f'{prefix}prompts beta', *_count(betas)))
        seen.update(id(p) for p in module.parameters())
    for name, child in model.named_children():
        rest = [p for p in child.parameters() if id(p) not in seen]
        if rest:
            rows.append((name, *_count(rest)))
            seen.update(id(p) for p in rest)
    direct = [p for p in model.parameters(recurse=False) if id(p) not in seen]
    if direct:
        rows.append(('(model)', *_count(direct)))
    return rows


def param_report(model: nn.Module) -> str:
    """A markdown table of :func:`param_groups` with the paper-style totals (in M)."""
    rows = param_groups(model)
    trainable = sum(r[1] for r in rows)
    total = sum(r[2] for r in rows)
    lines = ['| group | trainable | total |', '| --- | ---: | ---: |']
    lines += [f'| {g} | {t:,} | {n:,} |' for g, t, n in rows]
    lines.append(f'| **all** | **{trainable:,} ({trainable / 1e6:.2f}M)** | {total:,} ({total / 1e6:.2f}M) |')
    return '\n'.join(lines)


def parse_param_report(text: str) -> Optional[Tuple[int, int]]:
    """Read back the totals of the last :func:`param_report` table in ``text`` (e.g. a training log).

    Args:
        text (str): Text holding the table, such as the log :class:`ParamReportHook` writes to.

    Returns:
        tuple[int, int] | None: ``(trainable, total)`` parameters, or None if no table is found.
    """
    rows = _TOTALS_ROW.findall(text)
    if not rows:
        return None
    return tuple(int(n.replace(',', '')) for n in rows[-1])


@HOOKS.register_module()
class ParamReportHook(Hook):
    """Log :func:`param_report` once, before the first training iteration."""
    priority = 'VERY_LOW'

    def before_train(self, runner) -> None:
        runner.logger.info('Trainable parameters (Pro-tuning report):\n' + param_report(runner.model))
