"""A hook that checks a segmentation model's class count against its data sets before each phase.

See :mod:`protuning_mm.datasets.seg_checks` for the per-sample transform
(:class:`~protuning_mm.datasets.seg_checks.CheckSegLabels`) this hook also checks. Registered in the
root mmengine ``HOOKS`` registry, which mmseg's scope searches, so importing this module needs no
mmseg.
"""
from typing import Iterator, Optional

import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ..datasets.seg_checks import CheckSegLabels


def _datasets(dataset) -> Iterator:
    """The dataset and every dataset it wraps (RepeatDataset, ConcatDataset, ...)."""
    yield dataset
    if hasattr(dataset, 'dataset'):
        yield from _datasets(dataset.dataset)
    for inner in getattr(dataset, 'datasets', None) or []:
        yield from _datasets(inner)


def _decode_heads(model: nn.Module) -> Iterator:
    from mmseg.models.decode_heads.decode_head import BaseDecodeHead  # mmseg is loaded when this runs
    for name, module in model.named_modules():
        if isinstance(module, BaseDecodeHead):
            yield name, module


@HOOKS.register_module()
class SegClassCheckHook(Hook):
    """Check that the decode heads, the data set's classes and :class:`CheckSegLabels` agree.

    Runs before training, each validation and testing, on the data loader of that phase. A
    mismatch raises ``ValueError`` naming the config keys to set.
    """
    priority = 'VERY_HIGH'

    def _check(self, runner, split: str) -> None:
        loader = getattr(runner, f'{split}_dataloader', None)
        if loader is None:
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        heads = list(_decode_heads(model))
        for dataset in _datasets(loader.dataset):
            classes: Optional[tuple] = getattr(dataset, 'metainfo', {}).get('classes')
            if classes is None:
                continue
            for name, head in heads:
                if head.num_classes != len(classes):
                    raise ValueError(
                        f'model.{name}.num_classes is {head.num_classes} but the {split} data set '
                        f'({type(dataset).__name__}) has {len(classes)} classes; set '
                        f'--cfg-options model.{name}.num_classes={len(classes)} (every decode head '
                        'must match the data set).')
            pipeline = getattr(getattr(dataset, 'pipeline', None), 'transforms', [])
            for i, transform in enumerate(pipeline):
                if isinstance(transform, CheckSegLabels) and transform.num_classes != len(classes):
                    raise ValueError(
                        f'{split}_dataloader.dataset.pipeline.{i} (CheckSegLabels) has num_classes='
                        f'{transform.num_classes} but the data set ({type(dataset).__name__}) has '
                        f'{len(classes)} classes; set {split}_dataloader.dataset.pipeline.{i}.num_classes='
                        f'{len(classes)}.')

    def before_train(self, runner) -> None:
        self._check(runner, 'train')

    def before_val(self, runner) -> None:
        self._check(runner, 'val')

    def before_test(self, runner) -> None:
        self._check(runner, 'test')
