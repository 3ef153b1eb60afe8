"""Long-tailed CIFAR-10/100 (Cao et al., 2019, "Learning Imbalanced Datasets with
Label-Distribution-Aware Margin Loss"), as used by the paper's class-imbalance benchmarks.

Class c keeps ``int(n_max * (1 / imbalance_ratio) ** (c / (C - 1)))`` training images: the first
ones of that class in file order, so every run sees the same subset. The test split stays
balanced. The files are mmpretrain's CIFAR layout (``data_root/cifar-10-batches-py`` or
``data_root/cifar-100-python``).
"""
from collections import Counter
from typing import List

from mmengine.fileio import exists, join_path
from mmpretrain.datasets import CIFAR10, CIFAR100
from mmpretrain.registry import DATASETS

from ._paths import require_files


def long_tail_counts(n_max: int, num_classes: int, imbalance_ratio: float) -> List[int]:
    """Images kept per class under the exponential profile of Cao et al. (2019)."""
    if imbalance_ratio < 1:
        raise ValueError(f'imbalance_ratio must be >= 1, got {imbalance_ratio}.')
    return [int(n_max * (1.0 / imbalance_ratio)**(c / (num_classes - 1.0))) for c in range(num_classes)]


class _LongTailMixin:
    """Shared by :class:`CIFAR10LT` and :class:`CIFAR100LT` (mmpretrain CIFAR subclasses).

    Args:
        imbalance_ratio (float): n_max / n_min of the training split; 1 keeps the balanced
            dataset. Defaults to 100.
        check_md5 (bool): Verify the release's MD5 sums as mmpretrain does; turn off only for
            copies you made yourself. Defaults to True.
        download (bool): Download when missing (mmpretrain behaviour). Defaults to False, so a
            wrong ``data_root`` is reported instead of starting a download.
    """

    def __init__(self, *args, imbalance_ratio: float = 100, check_md5: bool = True,
                 download: bool = False, **kwargs) -> None:
        self.imbalance_ratio = imbalance_ratio
        self.check_md5 = check_md5
        super().__init__(*args, download=download, **kwargs)

    def _check_integrity(self) -> bool:
        root = self.data_prefix['root']
        files = [join_path(root, self.base_folder, f) for f, _ in self.train_list + self.test_list]
        missing = [f for f in files if not exists(f)]
        if missing and not self.download:
            release = ('the CIFAR python release (' + self.filename + ', extracted: ' +
                       self.base_folder + '/)')
            require_files(type(self).__name__, root, missing, release)
        if missing or not self.check_md5:
            return not missing
        intact = super()._check_integrity()
        if not intact and not self.download:
            # mmpretrain would report this as "cannot find the dataset": say what is wrong.
            raise RuntimeError(
                f'{type(self).__name__}: the files under {join_path(root, self.base_folder)} do not '
                f'match the MD5 sums of the official release. Re-extract {self.filename}, or pass '
                'check_md5=False for a copy you made yourself.')
        return intact

    def _load_meta(self) -> None:
        if self.check_md5:
            return super()._load_meta()
        meta = dict(self.meta, md5=None)
        self.meta, saved = meta, self.meta
        try:
            super()._load_meta()
        finally:
            self.meta = saved

    def load_data_list(self) -> list:
        data_list = super().load_data_list()
        if self.split != 'train' or self.imbalance_ratio == 1:
            return data_list
        per_class = Counter(d['gt_label'] for d in data_list)
        num_classes = len(self.CLASSES)
        counts = long_tail_counts(max(per_class.values()), num_classes, self.imbalance_ratio)
        kept, taken = [], Counter()
        for info in data_list:  # the first n_c images of each class, in file order
            label = info['gt_label']
            if taken[label] < counts[label]:
                kept.append(info)
                taken[label] += 1
        return kept


@DATASETS.register_module()
class CIFAR10LT(_LongTailMixin, CIFAR10):
    __doc__ = f"""Long-tailed CIFAR-10 (mmpretrain ``CIFAR10`` layout).\n{_LongTailMixin.__doc__}"""


@DATASETS.register_module()
class CIFAR100LT(_LongTailMixin, CIFAR100):
    __doc__ = f"""Long-tailed CIFAR-100 (mmpretrain ``CIFAR100`` layout).\n{_LongTailMixin.__doc__}"""
