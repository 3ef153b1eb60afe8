"""Datasets upstream lacks (registered in mmpretrain's DATASETS registry), and segmentation label checks."""
from .cifar_c import BENCHMARK_CORRUPTIONS, CIFAR10C, CIFAR100C, EXTRA_CORRUPTIONS
from .cifar_lt import CIFAR10LT, CIFAR100LT, long_tail_counts
from .clothing1m import Clothing1M
from .few_shot import FewShotDataset
from .imagenet_ar import ImageNetA, ImageNetR
from .seg_checks import CheckSegLabels
from .stanford_dogs import StanfordDogs

__all__ = [
    'CIFAR10LT', 'CIFAR100LT', 'long_tail_counts', 'CIFAR10C', 'CIFAR100C', 'BENCHMARK_CORRUPTIONS',
    'EXTRA_CORRUPTIONS', 'ImageNetA', 'ImageNetR', 'StanfordDogs', 'Clothing1M', 'FewShotDataset', 'CheckSegLabels'
]
