"""Datasets upstream lacks (registered in mmpretrain's DATASETS registry), and segmentation label checks.

Importing this package registers :class:`CheckSegLabels` (needs no mmpretrain) and nothing that
imports mmpretrain: the classification data sets subclass mmpretrain's, so each is imported on first
use of its name here (``from protuning_mm.datasets import CIFAR10LT``), and all of them at once,
registered, by :mod:`protuning_mm.classification` (what classification configs import). Without
mmpretrain, using one raises an ImportError naming the fix (:mod:`protuning_mm.utils.optional`).
"""
from ..utils.optional import MMPRETRAIN_REQUIREMENT, lazy_names
from .seg_checks import CheckSegLabels  # noqa: F401  (registers it)

# The classification names -> the submodule defining them (imports mmpretrain).
CLASSIFICATION_NAMES = {
    'CIFAR10LT': 'cifar_lt', 'CIFAR100LT': 'cifar_lt', 'long_tail_counts': 'cifar_lt',
    'CIFAR10C': 'cifar_c', 'CIFAR100C': 'cifar_c', 'BENCHMARK_CORRUPTIONS': 'cifar_c',
    'EXTRA_CORRUPTIONS': 'cifar_c', 'ImageNetA': 'imagenet_ar', 'ImageNetR': 'imagenet_ar',
    'StanfordDogs': 'stanford_dogs', 'Clothing1M': 'clothing1m', 'FewShotDataset': 'few_shot',
}

__all__ = list(CLASSIFICATION_NAMES)

__getattr__ = lazy_names(__name__, CLASSIFICATION_NAMES, 'mmpretrain', MMPRETRAIN_REQUIREMENT)
