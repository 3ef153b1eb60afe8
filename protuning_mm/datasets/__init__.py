"""Datasets upstream lacks (registered in mmpretrain's DATASETS registry), and segmentation label checks.

The classification data sets subclass mmpretrain's, so they are imported only where mmpretrain is
installed (see :mod:`protuning_mm.utils.optional`); :class:`CheckSegLabels` needs no mmpretrain.
"""
from ..utils.optional import MMPRETRAIN_REQUIREMENT, is_missing, missing_names
from .seg_checks import CheckSegLabels  # noqa: F401  (registers it)

__all__ = [
    'CIFAR10LT', 'CIFAR100LT', 'long_tail_counts', 'CIFAR10C', 'CIFAR100C',
    'BENCHMARK_CORRUPTIONS', 'EXTRA_CORRUPTIONS', 'ImageNetA', 'ImageNetR', 'StanfordDogs',
    'Clothing1M', 'FewShotDataset'
]

try:
    from .cifar_c import BENCHMARK_CORRUPTIONS, CIFAR10C, CIFAR100C, EXTRA_CORRUPTIONS
    from .cifar_lt import CIFAR10LT, CIFAR100LT, long_tail_counts
    from .clothing1m import Clothing1M
    from .few_shot import FewShotDataset
    from .imagenet_ar import ImageNetA, ImageNetR
    from .stanford_dogs import StanfordDogs
except ImportError as error:  # an mmdet/mmseg-only install: no classification data sets
    if not is_missing(error, 'mmpretrain'):
        raise
    __getattr__ = missing_names(__name__, __all__, 'mmpretrain', MMPRETRAIN_REQUIREMENT)
