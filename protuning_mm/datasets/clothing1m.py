"""Clothing1M (Xiao et al., 2015, "Learning from Massive Noisy Labeled Data for Image
Classification", https://github.com/Cysu/noisy_label), with its official list files::

    Clothing1M/                      (``data_root``)
    ├── images/0/00/*.jpg ...
    ├── category_names_eng.txt       14 class names, one per line (label = line number - 1)
    ├── noisy_label_kv.txt           "images/... <label>" per line (1M noisy labels)
    ├── clean_label_kv.txt           "images/... <label>" per line (clean labels)
    ├── noisy_train_key_list.txt     one image key per line
    ├── clean_train_key_list.txt
    ├── clean_val_key_list.txt
    └── clean_test_key_list.txt
"""
from typing import Dict, List

from mmengine.fileio import join_path, list_from_file
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from ._paths import require_files

RELEASE = 'the Clothing1M release (images/ and the *_kv.txt / *_key_list.txt files)'
SPLITS = ('noisy_train', 'clean_train', 'clean_val', 'clean_test')


@DATASETS.register_module()
class Clothing1M(BaseDataset):
    """Clothing1M: 14 clothing classes, 1M noisy-labelled training images and clean splits.

    ``noisy_train`` takes its labels from ``noisy_label_kv.txt``, the ``clean_*`` splits from
    ``clean_label_kv.txt``. A key without a label in that file is an error.

    Args:
        data_root (str): The release folder.
        split (str): One of ``'noisy_train'`` (1,000,000), ``'clean_train'`` (47,570),
            ``'clean_val'`` (14,313), ``'clean_test'`` (10,526). Defaults to ``'noisy_train'``.
        **kwargs: Other arguments of :class:`mmpretrain.datasets.BaseDataset`.

    Examples:
        >>> from protuning_mm.datasets import Clothing1M
        >>> ds = Clothing1M(data_root='data/Clothing1M', split='clean_test')
        >>> len(ds), len(ds.CLASSES)
        (10526, 14)
    """

    def __init__(self, data_root: str, split: str = 'noisy_train', **kwargs) -> None:
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, got {split!r}.')
        self.split = split
        kwargs.setdefault('test_mode', split in ('clean_val', 'clean_test'))
        super().__init__(ann_file=f'{split}_key_list.txt', data_root=data_root, data_prefix='',
                         **kwargs)

    def load_data_list(self) -> List[dict]:
        root = self.data_root
        label_file = join_path(root, ('noisy' if self.split == 'noisy_train' else 'clean') +
                               '_label_kv.txt')
        names_file = join_path(root, 'category_names_eng.txt')
        require_files('Clothing1M', root, [self.ann_file, label_file, names_file], RELEASE)
        classes = tuple(name.strip() for name in list_from_file(names_file) if name.strip())
        self._metainfo.setdefault('classes', classes)
        labels: Dict[str, int] = {}
        for line in list_from_file(label_file):
            if line.strip():
                key, label = line.split()
                labels[key] = int(label)
        data_list = []
        for key in list_from_file(self.ann_file):
            key = key.strip()
            if not key:
                continue
            if key not in labels:
                raise KeyError(f'Clothing1M: {key} (from {self.ann_file}) has no label in {label_file}.')
            if not 0 <= labels[key] < len(classes):
                raise ValueError(f'Clothing1M: label {labels[key]} of {key} is outside the '
                                 f'{len(classes)} classes of {names_file}.')
            data_list.append(dict(img_path=join_path(root, key), gt_label=labels[key]))
        return data_list

    def extra_repr(self) -> List[str]:
        return [f'Root of dataset: \t{self.data_root}', f'Split: \t{self.split}']
