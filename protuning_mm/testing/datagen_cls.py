"""Tiny copies of the classification releases, in their real on-disk formats, for loader tests.

Every generator writes under ``root`` and returns the folder to use as ``data_root``. Images are
small class-coloured JPEGs (:func:`.datagen.class_image`); the CIFAR-C arrays encode their own
coordinates so tests can check the corruption/severity indexing pixel-exactly.
"""
from pathlib import Path
from typing import Dict, List, Sequence

import cv2
import numpy as np

from .datagen import class_image

CIFAR_C_CORRUPTIONS = ('gaussian_noise', 'fog', 'jpeg_compression')


def _jpg(path: Path, label: int, rng: np.random.Generator, size: int = 16) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), class_image(label, rng, size))
    return str(path)


def make_cifar_c(root: Path, num_classes: int = 10, per_severity: int = 6,
                 corruptions: Sequence[str] = CIFAR_C_CORRUPTIONS) -> Path:
    """Hendrycks' CIFAR-C layout: ``labels.npy`` (5 x per_severity) and ``<corruption>.npy``.

    Pixel (0, 0) of every image holds (corruption position + 1, severity, row % 256), so a
    loaded sample can be checked against its ``corruption``/``severity`` metainfo.
    """
    folder = root / ('CIFAR-10-C' if num_classes == 10 else 'CIFAR-100-C')
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    test_labels = rng.integers(0, num_classes, per_severity)
    labels = np.tile(test_labels, 5).astype(np.uint8)  # as released: the test labels, 5 times
    np.save(folder / 'labels.npy', labels)
    n = len(labels)
    for ci, corruption in enumerate(corruptions):
        images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
        images[:, 0, 0, 0] = ci + 1
        images[:, 0, 0, 1] = np.repeat(np.arange(1, 6), per_severity)
        images[:, 0, 0, 2] = np.arange(n) % 256
        np.save(folder / f'{corruption}.npy', images)
    return folder


def make_image_folders(root: Path, wnids: Sequence[str], per_class: Sequence[int]) -> Path:
    """The ImageNet-A/R folder release: ``<wnid>/<i>.jpg``; class i gets ``per_class[i]`` images."""
    rng = np.random.default_rng(0)
    for label, (wnid, n) in enumerate(zip(wnids, per_class)):
        for i in range(n):
            _jpg(root / wnid / f'{wnid}_{i:03d}.jpg', label, rng)
    return root


def make_pets(root: Path, num_classes: int = 37, trainval: int = 2, test: int = 1) -> Path:
    """Oxford-IIIT Pets: ``images/<Breed>_<i>.jpg``, ``annotations/{trainval,test}.txt``."""
    rng = np.random.default_rng(0)
    (root / 'annotations').mkdir(parents=True, exist_ok=True)
    for split, n in (('trainval', trainval), ('test', test)):
        lines = []
        for c in range(num_classes):
            for i in range(n):
                name = f'Breed{c}_{split}{i}'
                _jpg(root / 'images' / f'{name}.jpg', c, rng)
                lines.append(f'{name} {c + 1} {1 + c % 2} 1')  # CLASS-ID SPECIES BREED ID
        (root / 'annotations' / f'{split}.txt').write_text('\n'.join(lines) + '\n')
    return root


def make_flowers102(root: Path, num_classes: int = 102, per_split: Sequence[int] = (1, 1, 1)) -> Path:
    """Flowers-102: ``jpg/image_%05d.jpg``, ``imagelabels.mat`` (1-based) and ``setid.mat``."""
    from scipy.io import savemat
    rng = np.random.default_rng(0)
    labels: List[int] = []
    ids: Dict[str, List[int]] = {'trnid': [], 'valid': [], 'tstid': []}
    for key, n in zip(ids, per_split):
        for c in range(num_classes):
            for _ in range(n):
                labels.append(c + 1)
                ids[key].append(len(labels))
                _jpg(root / 'jpg' / f'image_{len(labels):05d}.jpg', c, rng)
    savemat(root / 'imagelabels.mat', {'labels': np.array([labels], dtype=np.uint8)})
    savemat(root / 'setid.mat', {k: np.array([v], dtype=np.uint16) for k, v in ids.items()})
    return root


def make_caltech101(root: Path, classes: Sequence[str], train: int = 2, test: int = 1) -> Path:
    """Caltech-101 with mmpretrain's split files: ``101_ObjectCategories/<class>/image_%04d.jpg``,
    ``meta/{train,test}.txt`` (``<class>/<file> <label>`` per line)."""
    rng = np.random.default_rng(0)
    (root / 'meta').mkdir(parents=True, exist_ok=True)
    lines: Dict[str, List[str]] = {'train': [], 'test': []}
    for c, name in enumerate(classes):
        for i in range(train + test):
            rel = f'{name}/image_{i + 1:04d}.jpg'
            _jpg(root / '101_ObjectCategories' / rel, c, rng)
            lines['train' if i < train else 'test'].append(f'{rel} {c}')
    for split, content in lines.items():
        (root / 'meta' / f'{split}.txt').write_text('\n'.join(content) + '\n')
    return root


def make_stanford_dogs(root: Path, num_classes: int = 120, train: int = 2, test: int = 1) -> Path:
    """Stanford Dogs: ``Images/<wnid>-<breed>/<wnid>_<i>.jpg`` and ``lists/{train,test}_list.mat``
    (MATLAB v5 cell array ``file_list``, 1-based ``labels``, ``annotation_list``), images of each
    list interleaved across classes to check that labels follow the files, not the order."""
    from scipy.io import savemat
    rng = np.random.default_rng(0)
    folders = [f'n{2085620 + c:08d}-Breed_{c}' for c in range(num_classes)]  # sorted = label order
    (root / 'lists').mkdir(parents=True, exist_ok=True)
    for split, n in (('train', train), ('test', test)):
        files, labels = [], []
        for i in range(n):
            for c, folder in enumerate(folders):
                rel = f'{folder}/{folder.split("-")[0]}_{split}{i}.jpg'
                _jpg(root / 'Images' / rel, c, rng)
                files.append(rel)
                labels.append(c + 1)
        cell = np.empty((len(files), 1), dtype=object)
        cell[:, 0] = [np.array([f]) for f in files]
        ann = np.empty((len(files), 1), dtype=object)
        ann[:, 0] = [np.array([f[:-4]]) for f in files]
        savemat(root / 'lists' / f'{split}_list.mat',
                {'file_list': cell, 'annotation_list': ann,
                 'labels': np.array(labels, dtype=np.float64).reshape(-1, 1)})
    return root


CLOTHING1M_CLASSES = ('T-Shirt', 'Shirt', 'Knitwear', 'Chiffon', 'Sweater', 'Hoodie', 'Windbreaker',
                      'Jacket', 'Downcoat', 'Suit', 'Shawl', 'Dress', 'Vest', 'Underwear')


def make_clothing1m(root: Path, per_split: int = 1) -> Path:
    """Clothing1M: ``images/<a>/<bc>/<id>.jpg``, the label kv files and the key lists.

    Each split gets ``per_split`` images per class. Noisy-train images get a noisy label of
    ``(c + 1) % 14`` and also appear in the clean kv with label c, as in the release (some
    noisy-train images have both), so tests can tell which file a split read.
    """
    rng = np.random.default_rng(0)
    noisy_kv, clean_kv = [], []
    keys: Dict[str, List[str]] = {s: [] for s in ('noisy_train', 'clean_train', 'clean_val', 'clean_test')}
    uid = 0
    for split in keys:
        for c in range(len(CLOTHING1M_CLASSES)):
            for _ in range(per_split):
                key = f'images/{uid % 10}/{uid % 100:02d}/{uid:06d}.jpg'
                uid += 1
                _jpg(root / key, c, rng)
                keys[split].append(key)
                clean_kv.append(f'{key} {c}')
                if split == 'noisy_train':
                    noisy_kv.append(f'{key} {(c + 1) % len(CLOTHING1M_CLASSES)}')
    (root / 'category_names_eng.txt').write_text('\n'.join(CLOTHING1M_CLASSES) + '\n')
    (root / 'noisy_label_kv.txt').write_text('\n'.join(noisy_kv) + '\n')
    (root / 'clean_label_kv.txt').write_text('\n'.join(clean_kv) + '\n')
    for split, content in keys.items():
        (root / f'{split}_key_list.txt').write_text('\n'.join(content) + '\n')
    return root
