"""k-shot training sets drawn from any classification dataset (the paper's few-shot study:
1, 2, 4, 8 and 16 shots per class for training, the full test set for testing)."""
import copy
from typing import List, Union

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init
from mmpretrain.registry import DATASETS


@DATASETS.register_module()
class FewShotDataset:
    """Keep ``shots`` images of every class of a wrapped dataset, chosen reproducibly.

    Class ``c`` keeps the first ``shots`` images of a permutation of its images drawn from
    ``numpy.random.default_rng([seed, c])``: the choice for one class does not depend on the
    other classes, and the k-shot set of a seed contains its (k-1)-shot set. Kept images stay in
    the wrapped dataset's order.

    Args:
        dataset (dict | BaseDataset): The dataset (config) to sample from. Its classes are
            ``metainfo['classes']`` when set, else labels ``0..max(gt_label)``.
        shots (int): Images per class (the paper uses 1, 2, 4, 8, 16).
        seed (int): Sampling seed. Defaults to 0.
        lazy_init (bool): Defer loading and sampling to the first access. Defaults to False.

    Raises:
        ValueError: If a class has fewer than ``shots`` images (the class and its size are named).

    Examples:
        >>> from protuning_mm.datasets import FewShotDataset
        >>> ds = FewShotDataset(
        ...     dataset=dict(type='CIFAR10LT', data_root='data/cifar10', imbalance_ratio=1),
        ...     shots=4, seed=0)
        >>> len(ds)
        40
    """

    def __init__(self,
                 dataset: Union[dict, BaseDataset],
                 shots: int,
                 seed: int = 0,
                 lazy_init: bool = False) -> None:
        if isinstance(dataset, dict):
            self.dataset = DATASETS.build(dataset)
        elif isinstance(dataset, BaseDataset):
            self.dataset = dataset
        else:
            raise TypeError(f'FewShotDataset: dataset must be a config dict or a BaseDataset, '
                            f'got {type(dataset)}.')
        if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
            raise ValueError(f'FewShotDataset: shots must be a positive int, got {shots!r}.')
        self.shots = shots
        self.seed = seed
        self._metainfo = self.dataset.metainfo
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's meta information (a copy)."""
        return copy.deepcopy(self._metainfo)

    @property
    def CLASSES(self):
        return self._metainfo.get('classes', None)

    def _gt_labels(self) -> np.ndarray:
        if hasattr(self.dataset, 'get_gt_labels'):
            return np.asarray(self.dataset.get_gt_labels(), dtype=np.int64)
        return np.array([self.dataset.get_cat_ids(i)[0] for i in range(len(self.dataset))],
                        dtype=np.int64)

    def full_init(self) -> None:
        """Load the wrapped dataset and keep ``shots`` images per class."""
        if self._fully_initialized:
            return
        self.dataset.full_init()
        self._metainfo = self.dataset.metainfo  # some datasets read their classes while loading
        labels = self._gt_labels()
        classes = self._metainfo.get('classes')
        num_classes = len(classes) if classes else int(labels.max()) + 1
        indices: List[int] = []
        for c in range(num_classes):
            members = np.flatnonzero(labels == c)
            if len(members) < self.shots:
                name = f' ({classes[c]!r})' if classes else ''
                raise ValueError(
                    f'FewShotDataset: class {c}{name} of {type(self.dataset).__name__} has '
                    f'{len(members)} images, fewer than shots={self.shots}. Use shots <= '
                    f'{len(members)} or a dataset with more images of that class.')
            order = np.random.default_rng([self.seed, c]).permutation(len(members))
            indices.extend(int(i) for i in members[order[:self.shots]])
        indices.sort()
        self.indices = indices
        self.dataset = self.dataset.get_subset(indices)
        self._fully_initialized = True

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(idx)

    @force_full_init
    def get_cat_ids(self, idx: int) -> List[int]:
        return self.dataset.get_cat_ids(idx)

    @force_full_init
    def get_gt_labels(self) -> np.ndarray:
        return self._gt_labels()

    @force_full_init
    def __len__(self) -> int:
        return len(self.dataset)

    @force_full_init
    def __getitem__(self, idx: int) -> dict:
        return self.dataset[idx]

    def __repr__(self) -> str:
        state = f'{len(self)} samples' if self._fully_initialized else 'not initialised'
        return (f'FewShotDataset(shots={self.shots}, seed={self.seed}, {state}, '
                f'dataset={type(self.dataset).__name__})')
