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
from . import datasets, evaluation

# Each name comes through its package's lazy loader (utils/optional.py), which imports and so registers
# the submodule, and without mmpretrain raises the ImportError that names the fix.
__all__ = [*datasets.CLASSIFICATION_NAMES, *evaluation.CLASSIFICATION_NAMES]
for _package in (datasets, evaluation):
    globals().update({name: getattr(_package, name) for name in _package.CLASSIFICATION_NAMES})
del _package
