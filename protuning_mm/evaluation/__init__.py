"""Metrics upstream lacks (registered in mmpretrain's METRICS registry).

They subclass mmpretrain's ``Accuracy``, so they are imported only where mmpretrain is installed
(see :mod:`protuning_mm.utils.optional`).
"""
from ..utils.optional import MMPRETRAIN_REQUIREMENT, is_missing, missing_names

__all__ = ['CorruptionAccuracy', 'SubsetAccuracy']

try:
    from .corruption_accuracy import CorruptionAccuracy
    from .subset_accuracy import SubsetAccuracy
except ImportError as error:  # an mmdet/mmseg-only install: no classification metrics
    if not is_missing(error, 'mmpretrain'):
        raise
    __getattr__ = missing_names(__name__, __all__, 'mmpretrain', MMPRETRAIN_REQUIREMENT)
