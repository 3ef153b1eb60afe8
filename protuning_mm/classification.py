"""The classification pieces, registered in mmpretrain's registries: data sets and metrics.

``import protuning_mm`` (what ``custom_imports=dict(imports=['protuning_mm'])`` does) registers the
task-independent modules only, so that an mmdet or mmseg user does not import mmpretrain. Our
classification data sets (CIFAR-10/100-LT, CIFAR-10/100-C, ImageNet-A/R, Stanford Dogs, Clothing1M,
``FewShotDataset``) and metrics (``CorruptionAccuracy``, ``SubsetAccuracy``) subclass mmpretrain's
and are registered by importing this module, which classification configs list::

    custom_imports = dict(imports=['protuning_mm', 'protuning_mm.classification'],
                          allow_failed_imports=False)

(``configs/classification/_base_/setups/_runtime.py`` does). ``import protuning_mm`` also imports
this module where mmpretrain is imported already, and our ``tools/train.py`` and ``tools/test.py``
import it for a config with ``default_scope='mmpretrain'``.
"""
from .utils.optional import MMPRETRAIN_REQUIREMENT, is_missing

try:
    from .datasets.cifar_c import BENCHMARK_CORRUPTIONS, CIFAR10C, CIFAR100C, EXTRA_CORRUPTIONS
    from .datasets.cifar_lt import CIFAR10LT, CIFAR100LT, long_tail_counts
    from .datasets.clothing1m import Clothing1M
    from .datasets.few_shot import FewShotDataset
    from .datasets.imagenet_ar import ImageNetA, ImageNetR
    from .datasets.stanford_dogs import StanfordDogs
    from .evaluation.corruption_accuracy import CorruptionAccuracy
    from .evaluation.subset_accuracy import SubsetAccuracy
except ImportError as error:
    if not is_missing(error, 'mmpretrain'):
        raise
    raise ImportError(f'{__name__} (the classification data sets and metrics) needs mmpretrain, which is not '
                      f'installed: pip install "{MMPRETRAIN_REQUIREMENT}".') from error

__all__ = [
    'CIFAR10LT', 'CIFAR100LT', 'long_tail_counts', 'CIFAR10C', 'CIFAR100C', 'BENCHMARK_CORRUPTIONS',
    'EXTRA_CORRUPTIONS', 'ImageNetA', 'ImageNetR', 'StanfordDogs', 'Clothing1M', 'FewShotDataset',
    'CorruptionAccuracy', 'SubsetAccuracy'
]
