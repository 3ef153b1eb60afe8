"""Metrics upstream lacks (registered in mmpretrain's METRICS registry).

They subclass mmpretrain's ``Accuracy``, so importing this package imports none of them (nor
mmpretrain): each is imported on first use of its name here, and both, registered, by
:mod:`protuning_mm.classification` (what classification configs import). Without mmpretrain, using
one raises an ImportError naming the fix (:mod:`protuning_mm.utils.optional`).
"""
from ..utils.optional import MMPRETRAIN_REQUIREMENT, lazy_names

# The metric names -> the submodule defining them (imports mmpretrain).
CLASSIFICATION_NAMES = {'CorruptionAccuracy': 'corruption_accuracy', 'SubsetAccuracy': 'subset_accuracy'}

__all__ = list(CLASSIFICATION_NAMES)

__getattr__ = lazy_names(__name__, CLASSIFICATION_NAMES, 'mmpretrain', MMPRETRAIN_REQUIREMENT)
