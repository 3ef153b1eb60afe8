"""ImageNet-A / ImageNet-R: the 200-class lists, the folder loader, the seeded split and the
1000 -> 200 masked accuracy, on tiny copies of the folder releases."""
from collections import Counter
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmpretrain.datasets.categories import IMAGENET_CATEGORIES
from mmpretrain.evaluation import Accuracy
from mmpretrain.registry import DATASETS
from mmpretrain.structures import DataSample

import protuning_mm  # noqa: F401
from protuning_mm.datasets import ImageNetA, ImageNetR
from protuning_mm.datasets.imagenet_subsets import (
    IMAGENET_A_INDICES_IN_1K,
    IMAGENET_A_WNIDS,
    IMAGENET_R_INDICES_IN_1K,
    IMAGENET_R_WNIDS,
)
from protuning_mm.evaluation import SubsetAccuracy
from protuning_mm.testing import make_image_folders

CONFIGS = Path(__file__).resolve().parents[1] / 'configs/classification/_base_/datasets'
SUBSETS = {'a': (ImageNetA, IMAGENET_A_WNIDS, IMAGENET_A_INDICES_IN_1K),
           'r': (ImageNetR, IMAGENET_R_WNIDS, IMAGENET_R_INDICES_IN_1K)}
PER_CLASS = [2 + i % 4 for i in range(200)]  # 2..5 images per class


@pytest.fixture(scope='module')
def releases(tmp_path_factory):
    root = tmp_path_factory.mktemp('imagenet_ar')
    return {k: make_image_folders(root / f'imagenet-{k}', wnids, PER_CLASS)
            for k, (_, wnids, _) in SUBSETS.items()}


@pytest.mark.parametrize('key', ['a', 'r'])
def test_lists_are_the_official_200_classes(key):
    _, wnids, indices = SUBSETS[key]
    assert len(wnids) == len(set(wnids)) == 200 and list(wnids) == sorted(wnids)
    assert list(indices) == sorted(set(indices)) and 0 <= indices[0] and indices[-1] < 1000
    # Cross-check with the copies timm ships of the official lists (timm is a dependency).
    info = Path(pytest.importorskip('timm').__file__).parent / 'data/_info'
    all_wnids = (info / 'imagenet_synsets.txt').read_text().split()
    assert all_wnids == sorted(all_wnids) and len(all_wnids) == 1000
    assert list(wnids) == (info / f'imagenet_{key}_synsets.txt').read_text().split()
    assert list(indices) == [all_wnids.index(w) for w in wnids]
    if key == 'a':  # the first entries of indices_in_1k in natural-adv-examples/eval.py
        assert indices[:8] == (6, 11, 13, 15, 17, 22, 23, 27)


@pytest.mark.parametrize('key', ['a', 'r'])
def test_folder_release_maps_wnids_to_200_labels(releases, key):
    cls, wnids, indices = SUBSETS[key]
    ds = cls(data_root=str(releases[key]))
    assert len(ds) == sum(PER_CLASS)
    assert ds.CLASSES == tuple(IMAGENET_CATEGORIES[i] for i in indices)
    assert ds.metainfo['indices_in_1k'] == indices and ds.metainfo['wnids'] == wnids
    for i in range(0, len(ds), 7):
        info = ds.get_data_info(i)
        assert Path(info['img_path']).parent.name == wnids[info['gt_label']]
    assert Counter(ds.get_gt_labels()) == dict(enumerate(PER_CLASS))
    if key == 'a':
        assert ds.CLASSES[0] == 'stingray'  # n01498041, index 6 of ImageNet-1k


def test_seeded_split_is_disjoint_stratified_and_reproducible(releases):
    root = str(releases['a'])
    def paths(**kw):  # serialize_data=False skips mmengine's gc.collect() per build (~0.5 s)
        return [d['img_path'] for d in ImageNetA(data_root=root, serialize_data=False, **kw).data_list]
    train, val = paths(split='train', seed=3), paths(split='val', seed=3)
    assert not set(train) & set(val) and sorted(train + val) == sorted(paths(split='all'))
    assert train == paths(split='train', seed=3) and train != paths(split='train', seed=4)
    train_ds = ImageNetA(data_root=root, split='train', split_ratio=0.5, serialize_data=False)
    val_ds = ImageNetA(data_root=root, split='val', split_ratio=0.5, serialize_data=False)
    train_counts, val_counts = Counter(train_ds.get_gt_labels()), Counter(val_ds.get_gt_labels())
    for c, n in enumerate(PER_CLASS):  # every class in both halves
        assert train_counts[c] == max(1, min(round(0.5 * n), n - 1)) and val_counts[c] == n - train_counts[c]
    with pytest.raises(ValueError, match='split_ratio'):
        ImageNetA(data_root=root, split='train', split_ratio=1.0)
    with pytest.raises(ValueError, match="'all', 'train' or 'val'"):
        ImageNetA(data_root=root, split='test')


def test_wrong_folders_are_reported(tmp_path, releases):
    make_image_folders(tmp_path / 'r', IMAGENET_R_WNIDS[:199] + ('n99999999', ), [1] * 200)
    with pytest.raises(ValueError, match=r'missing 1 .*unexpected 1'):
        ImageNetR(data_root=str(tmp_path / 'r'))
    overlap = len(set(IMAGENET_A_WNIDS) & set(IMAGENET_R_WNIDS))
    with pytest.raises(ValueError, match=f'missing {200 - overlap} '):  # R's folders are not A's
        ImageNetA(data_root=str(releases['r']))
    with pytest.raises(FileNotFoundError, match=r'test_dataloader\.dataset\.data_root='):
        ImageNetA(data_root=str(tmp_path / 'nowhere'))


def _samples(scores, labels):
    return [DataSample().set_gt_label(int(y)).set_pred_score(s) for s, y in zip(scores, labels)]


def test_subset_accuracy_masks_a_1000_way_model(releases):
    ds = ImageNetA(data_root=str(releases['a']), lazy_init=True)
    indices = torch.tensor(IMAGENET_A_INDICES_IN_1K)
    labels = torch.arange(10) * 17 + 1
    scores = torch.zeros(10, 1000)
    scores[torch.arange(10), indices[labels]] = 0.5  # the right class wins among the 200...
    scores[:, 0] = 0.9  # ...but a class outside ImageNet-A (tench) wins overall
    scores[torch.arange(4), indices[(labels[:4] + 1) % 200]] = 0.7  # 4 of 10 wrong inside the subset

    evaluator = Evaluator(SubsetAccuracy(topk=(1, 2)))
    evaluator.dataset_meta = ds.metainfo
    evaluator.process(_samples(scores, labels))
    metrics = evaluator.evaluate(10)
    assert metrics == {'accuracy/top1': pytest.approx(60.0), 'accuracy/top2': pytest.approx(100.0)}

    plain = Evaluator(Accuracy())  # unmasked 1000-way scores against 200-way labels: all wrong
    plain.process(_samples(scores, labels))
    assert plain.evaluate(10)['accuracy/top1'] == 0

    head_200 = Evaluator(SubsetAccuracy(indices=IMAGENET_A_INDICES_IN_1K))  # a 200-way head
    head_200.process(_samples(scores[:, indices], labels))
    assert head_200.evaluate(10)['accuracy/top1'] == pytest.approx(60.0)

    with pytest.raises(ValueError, match='fit neither'):
        bad = Evaluator(SubsetAccuracy(indices=IMAGENET_A_INDICES_IN_1K))
        bad.process(_samples(torch.rand(2, 300), [0, 1]))
    with pytest.raises(ValueError, match='indices_in_1k'):
        Evaluator(SubsetAccuracy()).process(_samples(torch.rand(2, 1000), [0, 1]))


@pytest.mark.parametrize('key', ['a', 'r'])
def test_imagenet_ar_configs_build_their_loaders(releases, key):
    cfg = Config.fromfile(str(CONFIGS / f'imagenet-{key}_224.py'))
    assert cfg.data_preprocessor.num_classes == 200 and cfg.data_preprocessor.to_rgb
    assert cfg.val_evaluator.type == cfg.test_evaluator.type == 'SubsetAccuracy'
    loaders = {}
    for name in ('train', 'val', 'test'):
        dataset = dict(cfg[f'{name}_dataloader'].dataset, data_root=str(releases[key]))
        loaders[name] = DATASETS.build(dataset)
        sample = loaders[name][0]
        assert sample['inputs'].shape == (3, 224, 224)
    assert len(loaders['train']) + len(loaders['val']) == sum(PER_CLASS)
