"""FewShotDataset: k images per class, seeded, nested, with a clear error when k is too large."""
from collections import Counter
from pathlib import Path

import pytest
from mmengine.config import Config
from mmpretrain.datasets.categories import CALTECH101_CATEGORIES
from mmpretrain.registry import DATASETS

import protuning_mm  # noqa: F401
from protuning_mm.datasets import FewShotDataset
from protuning_mm.testing import make_caltech101, make_cifar

CONFIGS = Path(__file__).resolve().parents[1] / 'configs/classification/_base_/datasets'


@pytest.fixture(scope='module')
def cifar10(tmp_path_factory):
    root = tmp_path_factory.mktemp('cifar10')
    make_cifar(root, 10, train_per_class=[16] * 9 + [20], test_per_class=1)
    return dict(type='CIFAR10LT', data_root=str(root), imbalance_ratio=1, check_md5=False)


@pytest.fixture(scope='module')
def cifar10_built(cifar10):
    # Built once: every mmengine dataset build runs a full gc.collect(), ~0.5 s here.
    return DATASETS.build(cifar10)


@pytest.mark.parametrize('shots', [1, 2, 4, 8, 16])
def test_k_images_per_class(cifar10_built, shots):
    ds = FewShotDataset(dataset=cifar10_built, shots=shots, seed=0)
    assert len(ds) == 10 * shots and Counter(ds.get_gt_labels()) == {c: shots for c in range(10)}
    assert ds.metainfo['classes'][0] == 'airplane'
    assert [ds.get_data_info(i)['gt_label'] for i in range(len(ds))] == list(ds.get_gt_labels())


def test_sampling_is_reproducible_and_nested(cifar10, cifar10_built):
    def picks(shots, seed):
        return FewShotDataset(dataset=cifar10_built, shots=shots, seed=seed).indices

    assert picks(4, 0) == picks(4, 0)
    assert picks(4, 0) != picks(4, 1)
    for small, large in ((1, 2), (2, 4), (4, 8), (8, 16)):
        assert set(picks(small, 0)) <= set(picks(large, 0))
    # The indices point into the wrapped dataset; the kept images are the wrapped ones.
    ds = FewShotDataset(dataset=cifar10, shots=2, seed=0, lazy_init=True)  # from a config dict
    assert not ds._fully_initialized and len(ds) == 20 and ds.indices == picks(2, 0)
    assert (ds.get_data_info(3)['img'] == cifar10_built.get_data_info(ds.indices[3])['img']).all()


def test_too_many_shots_names_the_class_and_its_size(cifar10):
    with pytest.raises(ValueError, match=r"class 0 \('airplane'\) of CIFAR10LT has 16 images, "
                                         r'fewer than shots=17'):
        FewShotDataset(dataset=cifar10, shots=17)
    with pytest.raises(ValueError, match='positive int'):
        FewShotDataset(dataset=cifar10, shots=0)


def test_wraps_a_config_dataset_with_its_pipeline(tmp_path):
    """Few-shot Caltech-101 from the real base config, as the paper's few-shot study uses it."""
    cfg = Config.fromfile(str(CONFIGS / 'caltech101_224.py'))
    make_caltech101(tmp_path, CALTECH101_CATEGORIES, train=4, test=1)
    inner = dict(cfg.train_dataloader.dataset, data_root=str(tmp_path))
    ds = DATASETS.build(dict(type='FewShotDataset', dataset=inner, shots=2, seed=0))
    assert len(ds) == 2 * 102 and Counter(ds.get_gt_labels()) == {c: 2 for c in range(102)}
    sample = ds[0]
    assert sample['inputs'].shape == (3, 224, 224) and sample['data_samples'].gt_label.item() == 0
    with pytest.raises(ValueError, match=r"class 0 \('BACKGROUND_Google'\) of Caltech101 has 4"):
        DATASETS.build(dict(type='FewShotDataset', dataset=inner, shots=8))
