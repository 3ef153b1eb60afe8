"""ImageNet-A (Hendrycks et al., 2021, "Natural Adversarial Examples",
https://arxiv.org/abs/1907.07174) and ImageNet-R (Hendrycks et al., 2021, "The Many Faces of
Robustness", https://arxiv.org/abs/2006.16241), from their folder releases::

    imagenet-a/                      (or imagenet-r/; this folder is ``data_root``)
    ├── n01498041/*.jpg              one folder per class: 200 ImageNet-1k wnids
    └── ...

Labels are 0..199 in sorted-wnid order. Two uses:

- evaluate a 1000-way ImageNet classifier: ``split='all'`` and the
  :class:`~protuning_mm.evaluation.SubsetAccuracy` metric, which masks the 1000 scores to the
  200 classes through ``metainfo['indices_in_1k']`` (as the official ``eval.py`` does);
- train a 200-way head: ``split='train'`` / ``split='val'``, a seeded, per-class split.
"""
from typing import List

import numpy as np
from mmengine.fileio import get_file_backend
from mmpretrain.datasets import BaseDataset
from mmpretrain.datasets.categories import IMAGENET_CATEGORIES
from mmpretrain.datasets.custom import find_folders, get_samples
from mmpretrain.registry import DATASETS

from ._paths import require_files
from .imagenet_subsets import IMAGENET_A_INDICES_IN_1K, IMAGENET_A_WNIDS, IMAGENET_R_INDICES_IN_1K, IMAGENET_R_WNIDS

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')


def _metainfo(wnids: tuple, indices_in_1k: tuple) -> dict:
    return {
        'classes': tuple(IMAGENET_CATEGORIES[i] for i in indices_in_1k),
        'wnids': wnids,
        'indices_in_1k': indices_in_1k,
    }


class _ImageNetSubset(BaseDataset):
    """Shared by :class:`ImageNetA` and :class:`ImageNetR`.

    Args:
        data_root (str): The release folder (holding the 200 wnid folders).
        split (str): ``'all'`` (every image, for evaluating an ImageNet model), or ``'train'`` /
            ``'val'``: a per-class split of each class's sorted images, shuffled with ``seed``,
            of which the first ``round(split_ratio * n)`` (at least 1, and at most n - 1 when
            n > 1) go to ``'train'`` and the rest to ``'val'``. Defaults to ``'all'``.
        split_ratio (float): Fraction of each class for ``'train'``, in (0, 1). Defaults to 0.8.
        seed (int): Seed of the split; the same seed gives the same split everywhere.
            Defaults to 0.
        **kwargs: Other arguments of :class:`mmpretrain.datasets.BaseDataset`.
    """

    WNIDS: tuple = ()
    release = ''

    def __init__(self,
                 data_root: str,
                 split: str = 'all',
                 split_ratio: float = 0.8,
                 seed: int = 0,
                 **kwargs) -> None:
        if split not in ('all', 'train', 'val'):
            raise ValueError(f"split must be 'all', 'train' or 'val', got {split!r}.")
        if not 0 < split_ratio < 1:
            raise ValueError(f'split_ratio must be in (0, 1), got {split_ratio}.')
        self.split, self.split_ratio, self.seed = split, split_ratio, seed
        kwargs.setdefault('test_mode', split != 'train')
        super().__init__(ann_file='', data_root=data_root, data_prefix='', **kwargs)

    def load_data_list(self) -> List[dict]:
        root = self.data_root
        name = type(self).__name__
        require_files(name, root, [root], self.release)
        backend = get_file_backend(root, enable_singleton=True)
        folders, _ = find_folders(root, backend)
        unknown = sorted(set(folders) - set(self.WNIDS))
        missing = sorted(set(self.WNIDS) - set(folders))
        if unknown or missing:
            raise ValueError(
                f'{name}: {root} must hold exactly the {len(self.WNIDS)} wnid folders of the release; '
                f'missing {len(missing)} {missing[:5]}, unexpected {len(unknown)} {unknown[:5]}.')
        folder_to_idx = {wnid: i for i, wnid in enumerate(self.WNIDS)}
        samples, empty = get_samples(
            root, folder_to_idx, lambda f: f.lower().endswith(IMG_EXTENSIONS), backend)
        if empty:
            raise ValueError(f'{name}: no images in {sorted(empty)[:5]} under {root}.')
        if self.split != 'all':
            samples = self._split(samples)
        return [dict(img_path=backend.join_path(root, path), gt_label=label)
                for path, label in samples]

    def _split(self, samples: list) -> list:
        """Per-class seeded split: every class appears in both halves when it has 2+ images."""
        rng = np.random.default_rng(self.seed)
        by_class: dict = {}
        for sample in samples:  # samples are sorted by class, then path
            by_class.setdefault(sample[1], []).append(sample)
        kept = []
        for label in sorted(by_class):
            items = by_class[label]
            order = rng.permutation(len(items))
            n_train = max(1, round(self.split_ratio * len(items)))
            n_train = min(n_train, len(items) - 1) if len(items) > 1 else n_train
            chosen = order[:n_train] if self.split == 'train' else order[n_train:]
            kept.extend(items[i] for i in sorted(chosen))
        return kept

    def extra_repr(self) -> List[str]:
        body = [f'Root of dataset: \t{self.data_root}', f'Split: \t{self.split}']
        if self.split != 'all':
            body.append(f'Split ratio / seed: \t{self.split_ratio} / {self.seed}')
        return body


@DATASETS.register_module()
class ImageNetA(_ImageNetSubset):
    __doc__ = f"""ImageNet-A: 7,500 natural adversarial examples of 200 ImageNet classes.
{_ImageNetSubset.__doc__}
    Examples:
        >>> from protuning_mm.datasets import ImageNetA
        >>> ds = ImageNetA(data_root='data/imagenet-a', split='train', seed=0)
        >>> ds.metainfo['indices_in_1k'][:3]
        (6, 11, 13)
    """
    WNIDS = IMAGENET_A_WNIDS
    METAINFO = _metainfo(IMAGENET_A_WNIDS, IMAGENET_A_INDICES_IN_1K)
    release = 'the ImageNet-A release (imagenet-a.tar: 200 wnid folders of .jpg)'


@DATASETS.register_module()
class ImageNetR(_ImageNetSubset):
    __doc__ = f"""ImageNet-R: 30,000 renditions (art, cartoons, ...) of 200 ImageNet classes.
{_ImageNetSubset.__doc__}"""
    WNIDS = IMAGENET_R_WNIDS
    METAINFO = _metainfo(IMAGENET_R_WNIDS, IMAGENET_R_INDICES_IN_1K)
    release = 'the ImageNet-R release (imagenet-r.tar: 200 wnid folders of .jpg)'
