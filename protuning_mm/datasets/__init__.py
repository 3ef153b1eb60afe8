"""Datasets upstream lacks (registered in mmpretrain's DATASETS registry)."""
from .cifar_lt import CIFAR10LT, CIFAR100LT, long_tail_counts

__all__ = ['CIFAR10LT', 'CIFAR100LT', 'long_tail_counts']
