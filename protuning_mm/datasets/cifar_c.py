"""CIFAR-10-C and CIFAR-100-C (Hendrycks & Dietterich, 2019, "Benchmarking Neural Network
Robustness to Common Corruptions and Perturbations", https://arxiv.org/abs/1903.12261).

The release is one folder of ``.npy`` files::

    CIFAR-10-C/                      (or CIFAR-100-C/; this folder is ``data_root``)
    ├── labels.npy                   50000 uint8 labels: the 10000 test labels, once per severity
    ├── gaussian_noise.npy           50000x32x32x3 uint8 RGB: severities 1..5 stacked, 10000 each
    └── ...                          one file per corruption (15 benchmark + 4 extra)

Every sample carries ``corruption`` and ``severity``; keep them with
``PackInputs(meta_keys=(..., 'corruption', 'severity'))`` so that
:class:`~protuning_mm.evaluation.CorruptionAccuracy` can report the per-corruption table.
"""
from typing import List, Sequence, Union

import numpy as np
from mmengine.fileio import join_path
from mmpretrain.datasets import BaseDataset
from mmpretrain.datasets.categories import CIFAR10_CATEGORIES, CIFAR100_CATEGORIES
from mmpretrain.registry import DATASETS

from ._paths import require_files

#: The 15 corruptions of the benchmark (the mean accuracy / mCE is over these).
BENCHMARK_CORRUPTIONS = (
    'gaussian_noise', 'shot_noise', 'impulse_noise', 'defocus_blur', 'glass_blur', 'motion_blur',
    'zoom_blur', 'snow', 'frost', 'fog', 'brightness', 'contrast', 'elastic_transform', 'pixelate',
    'jpeg_compression')
#: The 4 held-out corruptions the release adds for validation.
EXTRA_CORRUPTIONS = ('speckle_noise', 'gaussian_blur', 'spatter', 'saturate')
NUM_SEVERITIES = 5


class _CIFARCorrupted(BaseDataset):
    """Shared by :class:`CIFAR10C` and :class:`CIFAR100C`.

    Images are read lazily from memory-mapped ``.npy`` files, so building the dataset with all
    19 corruptions (950,000 images, 2.9 GB) costs only the index.

    Args:
        data_root (str): The folder holding ``labels.npy`` and ``<corruption>.npy``.
        corruptions (str | Sequence[str]): ``'benchmark'`` (the 15 standard corruptions),
            ``'all'`` (also the 4 extra ones) or a list of corruption names.
            Defaults to ``'benchmark'``.
        severities (Sequence[int]): Severities to include, each in 1..5.
            Defaults to ``(1, 2, 3, 4, 5)``.
        test_mode (bool): A test-only set: a failing sample raises instead of being replaced.
            Defaults to True.
        **kwargs: Other arguments of :class:`mmpretrain.datasets.BaseDataset`
            (``pipeline``, ``indices``, ``metainfo``, ...).
    """

    release = ''

    def __init__(self,
                 data_root: str,
                 corruptions: Union[str, Sequence[str]] = 'benchmark',
                 severities: Sequence[int] = (1, 2, 3, 4, 5),
                 test_mode: bool = True,
                 **kwargs) -> None:
        known = BENCHMARK_CORRUPTIONS + EXTRA_CORRUPTIONS
        if isinstance(corruptions, str):
            if corruptions not in ('benchmark', 'all'):
                raise ValueError(f"corruptions must be 'benchmark', 'all' or a list of names from "
                                 f'{known}, got {corruptions!r}.')
            corruptions = BENCHMARK_CORRUPTIONS if corruptions == 'benchmark' else known
        unknown = [c for c in corruptions if c not in known]
        if unknown:
            raise ValueError(f'Unknown corruption(s) {unknown}; choose from {known}.')
        bad = [s for s in severities if s not in range(1, NUM_SEVERITIES + 1)]
        if bad or not severities:
            raise ValueError(f'severities must be a non-empty subset of 1..5, got {severities}.')
        self.corruptions = tuple(corruptions)
        self.severities = tuple(severities)
        self._arrays: dict = {}
        super().__init__(ann_file='', data_root=data_root, test_mode=test_mode, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Index every (corruption, severity, image) triple; images stay on disk."""
        root = self.data_root
        labels_path = join_path(root, 'labels.npy')
        require_files(type(self).__name__, root,
                      [labels_path] + [self._npy(c) for c in self.corruptions], self.release)
        labels = np.load(labels_path)
        if labels.ndim != 1 or len(labels) % NUM_SEVERITIES:
            raise ValueError(f'{labels_path}: expected a 1-D array of 5 x N labels (one block per '
                             f'severity), got shape {labels.shape}.')
        per_severity = len(labels) // NUM_SEVERITIES
        data_list = []
        for corruption in self.corruptions:
            images = self._array(corruption)
            if images.shape != (len(labels), 32, 32, 3):
                raise ValueError(f'{self._npy(corruption)}: expected shape ({len(labels)}, 32, 32, 3) '
                                 f'to match labels.npy, got {images.shape}.')
            for severity in self.severities:
                start = (severity - 1) * per_severity
                for row in range(start, start + per_severity):
                    data_list.append(
                        dict(gt_label=int(labels[row]), corruption=corruption, severity=severity,
                             npy_row=row))
        return data_list

    def _npy(self, corruption: str) -> str:
        return join_path(self.data_root, f'{corruption}.npy')

    def _array(self, corruption: str) -> np.ndarray:
        # Opened once per process; np.memmap pages in only the rows that are read.
        if corruption not in self._arrays:
            self._arrays[corruption] = np.load(self._npy(corruption), mmap_mode='r')
        return self._arrays[corruption]

    def get_data_info(self, idx: int) -> dict:
        """The idx-th sample with its image (HxWx3 uint8 RGB, like mmpretrain's CIFAR)."""
        info = super().get_data_info(idx)
        info['img'] = np.array(self._array(info['corruption'])[info['npy_row']])
        return info

    def get_gt_labels(self) -> np.ndarray:
        """All labels, without reading any image."""
        return np.array([super(_CIFARCorrupted, self).get_data_info(i)['gt_label']
                         for i in range(len(self))])

    def get_cat_ids(self, idx: int) -> List[int]:
        return [int(super().get_data_info(idx)['gt_label'])]

    def __getstate__(self) -> dict:
        # Memory maps are per process: never pickle (or deep-copy) their contents.
        state = self.__dict__.copy()
        state['_arrays'] = {}
        return state

    def extra_repr(self) -> List[str]:
        return [f'Root of dataset: \t{self.data_root}', f'Corruptions: \t{len(self.corruptions)}',
                f'Severities: \t{self.severities}']


@DATASETS.register_module()
class CIFAR10C(_CIFARCorrupted):
    __doc__ = f"""CIFAR-10-C: the CIFAR-10 test set under 19 corruptions x 5 severities.
{_CIFARCorrupted.__doc__}
    Examples:
        >>> from protuning_mm.datasets import CIFAR10C
        >>> ds = CIFAR10C(data_root='data/CIFAR-10-C', severities=(5, ))
        >>> info = ds.get_data_info(0)
        >>> info['corruption'], info['severity'], info['img'].shape
        ('gaussian_noise', 5, (32, 32, 3))
    """
    METAINFO = {'classes': CIFAR10_CATEGORIES}
    release = "Hendrycks' CIFAR-10-C (https://zenodo.org/record/2535967: labels.npy, <corruption>.npy)"


@DATASETS.register_module()
class CIFAR100C(_CIFARCorrupted):
    __doc__ = f"""CIFAR-100-C: the CIFAR-100 test set under 19 corruptions x 5 severities.
{_CIFARCorrupted.__doc__}"""
    METAINFO = {'classes': CIFAR100_CATEGORIES}
    release = "Hendrycks' CIFAR-100-C (https://zenodo.org/record/3555552: labels.npy, <corruption>.npy)"

