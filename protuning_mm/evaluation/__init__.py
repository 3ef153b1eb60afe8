"""Metrics upstream lacks (registered in mmpretrain's METRICS registry)."""
from .corruption_accuracy import CorruptionAccuracy
from .subset_accuracy import SubsetAccuracy

__all__ = ['CorruptionAccuracy', 'SubsetAccuracy']
