"""Oxford-IIIT Pets, Flowers-102, Caltech-101 (mmpretrain's loaders), Stanford Dogs and Clothing1M
(ours) on tiny copies of their official list formats, and every image-file base config."""
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmpretrain.datasets.categories import CALTECH101_CATEGORIES
from mmpretrain.registry import DATASETS

import protuning_mm  # noqa: F401
from protuning_mm.datasets import Clothing1M, StanfordDogs
from protuning_mm.testing import (
    CLOTHING1M_CLASSES,
    make_caltech101,
    make_clothing1m,
    make_flowers102,
    make_pets,
    make_stanford_dogs,
)

CONFIGS = Path(__file__).resolve().parents[1] / 'configs/classification/_base_/datasets'


@pytest.fixture(scope='module')
def releases(tmp_path_factory):
    root = tmp_path_factory.mktemp('releases')
    return {
        'pets': make_pets(root / 'pets', trainval=2, test=1),
        'flowers102': make_flowers102(root / 'flowers', per_split=(1, 1, 1)),
        'caltech101': make_caltech101(root / 'caltech', CALTECH101_CATEGORIES, train=2, test=1),
        'stanford-dogs': make_stanford_dogs(root / 'dogs', train=2, test=1),
        'clothing1m': make_clothing1m(root / 'clothing1m', per_split=1),
    }


def test_stanford_dogs_reads_the_official_mat_lists(releases):
    root = str(releases['stanford-dogs'])
    train, test = StanfordDogs(data_root=root), StanfordDogs(data_root=root, split='test')
    assert (len(train), len(test)) == (240, 120)
    assert Counter(train.get_gt_labels()) == {c: 2 for c in range(120)}
    assert train.CLASSES[:2] == ('Breed_0', 'Breed_1') and len(train.CLASSES) == 120
    assert train.metainfo['wnids'][1] == 'n02085621'
    for ds in (train, test):  # labels follow the files (the lists interleave the classes)
        for i in range(0, len(ds), 11):
            info = ds.get_data_info(i)
            assert Path(info['img_path']).parent.name == f'n{2085620 + info["gt_label"]:08d}-Breed_{info["gt_label"]}'
            assert Path(info['img_path']).is_file()


def test_stanford_dogs_rejects_a_list_that_disagrees_with_its_folders(tmp_path):
    from scipy.io import savemat
    root = make_stanford_dogs(tmp_path, num_classes=3, train=1, test=1)
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = np.array(['n02085620-Breed_0/n02085620_train0.jpg'])
    savemat(root / 'lists' / 'train_list.mat', {'file_list': cell, 'labels': np.array([[2.0]])})
    with pytest.raises(ValueError, match='has label 2 but folder'):
        StanfordDogs(data_root=str(root))
    with pytest.raises(FileNotFoundError, match=r'train_dataloader\.dataset\.data_root='):
        StanfordDogs(data_root=str(tmp_path / 'nowhere'))


def test_clothing1m_splits_take_labels_from_their_kv_file(releases):
    root = str(releases['clothing1m'])
    noisy = Clothing1M(data_root=root, split='noisy_train')
    assert noisy.CLASSES == CLOTHING1M_CLASSES and len(noisy) == 14
    # The generator gives noisy-train images the noisy label (c + 1) % 14 and the clean label c.
    for split in ('clean_train', 'clean_val', 'clean_test'):
        ds = Clothing1M(data_root=root, split=split)
        assert Counter(ds.get_gt_labels()) == {c: 1 for c in range(14)}
        assert all(Path(ds.get_data_info(i)['img_path']).is_file() for i in range(len(ds)))
    clean_of = {ln.split()[0]: int(ln.split()[1])
                for ln in (releases['clothing1m'] / 'clean_label_kv.txt').read_text().split('\n') if ln}
    for i in range(len(noisy)):
        info = noisy.get_data_info(i)
        key = str(Path(info['img_path']).relative_to(root))
        assert info['gt_label'] == (clean_of[key] + 1) % 14
    with pytest.raises(ValueError, match='split must be one of'):
        Clothing1M(data_root=root, split='train')


def test_clothing1m_reports_a_key_without_label(tmp_path):
    root = make_clothing1m(tmp_path)
    with open(root / 'clean_test_key_list.txt', 'a') as f:
        f.write('images/9/99/unknown.jpg\n')
    with pytest.raises(KeyError, match='unknown.jpg'):
        Clothing1M(data_root=str(root), split='clean_test')


# name: (dataset type, num_classes, train / val / test sizes on the tiny copies)
FILE_CONFIGS = {
    'pets': ('OxfordIIITPet', 37, (74, 37, 37)),
    'flowers102': ('Flowers102', 102, (204, 102, 102)),
    'caltech101': ('Caltech101', 102, (204, 102, 102)),
    'stanford-dogs': ('StanfordDogs', 120, (240, 120, 120)),
    'clothing1m': ('Clothing1M', 14, (14, 14, 14)),
}


@pytest.mark.parametrize('name', list(FILE_CONFIGS))
def test_image_file_configs_build_their_loaders(releases, name):
    dataset_type, num_classes, sizes = FILE_CONFIGS[name]
    cfg = Config.fromfile(str(CONFIGS / f'{name}_224.py'))
    assert cfg.data_preprocessor.num_classes == num_classes and cfg.data_preprocessor.to_rgb
    assert cfg.val_evaluator.type == cfg.test_evaluator.type == 'Accuracy'
    for loader, size in zip(('train', 'val', 'test'), sizes):
        dataset = dict(cfg[f'{loader}_dataloader'].dataset, data_root=str(releases[name]))
        assert dataset['type'] == dataset_type
        ds = DATASETS.build(dataset)
        assert len(ds) == size
        assert name == 'flowers102' or len(ds.CLASSES) == num_classes  # mmpretrain names no flowers
        assert Counter(ds.get_gt_labels()) == {c: size // num_classes for c in range(num_classes)}
        sample = ds[len(ds) - 1]
        assert sample['inputs'].shape == (3, 224, 224)
        assert sample['data_samples'].gt_label.item() == ds.get_data_info(len(ds) - 1)['gt_label']
