"""Stanford Dogs (Khosla et al., 2011, "Novel Dataset for Fine-Grained Image Categorization",
http://vision.stanford.edu/aditya86/ImageNetDogs/), with its official train/test lists::

    StanfordDogs/                    (``data_root``)
    ├── Images/n02085620-Chihuahua/n02085620_5927.jpg   120 breed folders
    └── lists/train_list.mat, lists/test_list.mat       MATLAB v5: file_list, labels (1-based)
"""
from typing import List

import numpy as np
from mmengine.fileio import get_file_backend, get_local_path
from mmpretrain.datasets import BaseDataset
from mmpretrain.datasets.custom import find_folders
from mmpretrain.registry import DATASETS

from ._paths import require_files

RELEASE = 'the Stanford Dogs release (images.tar -> Images/, lists.tar -> lists/*.mat)'


@DATASETS.register_module()
class StanfordDogs(BaseDataset):
    """Stanford Dogs: 120 breeds, 12,000 train / 8,580 test images (the official lists).

    Labels are ``labels - 1`` of the list files; class ``i`` is the ``i``-th sorted folder of
    ``Images/`` (so the breed names come from the data, and a list that disagrees with its
    folder is reported). ``metainfo['classes']`` holds the breed names (``Chihuahua``, ...),
    ``metainfo['wnids']`` the folder wnids.

    Args:
        data_root (str): The release folder (holding ``Images/`` and ``lists/``).
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        **kwargs: Other arguments of :class:`mmpretrain.datasets.BaseDataset`.

    Examples:
        >>> from protuning_mm.datasets import StanfordDogs
        >>> ds = StanfordDogs(data_root='data/StanfordDogs', split='test')
        >>> len(ds), len(ds.CLASSES)
        (8580, 120)
    """

    def __init__(self, data_root: str, split: str = 'train', **kwargs) -> None:
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
        self.split = split
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file=f'lists/{split}_list.mat', data_root=data_root,
                         data_prefix='Images', **kwargs)

    def load_data_list(self) -> List[dict]:
        from scipy.io import loadmat  # scipy comes with mmdet; only this dataset needs it

        require_files('StanfordDogs', self.data_root, [self.img_prefix, self.ann_file], RELEASE)
        backend = get_file_backend(self.img_prefix, enable_singleton=True)
        folders, _ = find_folders(self.img_prefix, backend)
        with get_local_path(self.ann_file) as path:
            mat = loadmat(path)
        for key in ('file_list', 'labels'):
            if key not in mat:
                raise KeyError(f'{self.ann_file}: no {key!r} variable (found {sorted(mat)}).')
        files = [str(np.asarray(f).reshape(-1)[0]) for f in mat['file_list'].reshape(-1)]
        labels = np.asarray(mat['labels']).reshape(-1).astype(np.int64) - 1
        if len(files) != len(labels):
            raise ValueError(f'{self.ann_file}: {len(files)} files but {len(labels)} labels.')
        data_list = []
        for file, label in zip(files, labels):
            folder = file.split('/')[0]
            if not 0 <= label < len(folders) or folders[label] != folder:
                raise ValueError(
                    f'{self.ann_file}: {file} has label {label + 1} but folder {folder!r} is class '
                    f'{folders.index(folder) + 1 if folder in folders else None} of Images/ '
                    '(classes are the sorted folders, 1-based in the lists).')
            data_list.append(dict(img_path=backend.join_path(self.img_prefix, file),
                                  gt_label=int(label)))
        # Breed names from the folders ('n02085620-Chihuahua' -> 'Chihuahua'), unless given.
        self._metainfo.setdefault('classes', tuple(f.split('-', 1)[-1] for f in folders))
        self._metainfo.setdefault('wnids', tuple(f.split('-', 1)[0] for f in folders))
        return data_list

    def extra_repr(self) -> List[str]:
        return [f'Root of dataset: \t{self.data_root}', f'Split: \t{self.split}']
