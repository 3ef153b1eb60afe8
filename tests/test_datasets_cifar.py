"""CIFAR-10/100, long-tailed CIFAR and CIFAR-10/100-C on tiny copies of their real releases."""
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.runner import Runner
from mmpretrain.registry import DATASETS
from mmpretrain.structures import DataSample

import protuning_mm  # noqa: F401  (registers the datasets and metrics)
from protuning_mm.datasets import CIFAR10C, CIFAR10LT, CIFAR100LT, long_tail_counts
from protuning_mm.evaluation import CorruptionAccuracy
from protuning_mm.testing import CIFAR_C_CORRUPTIONS, make_cifar, make_cifar_c

CONFIGS = Path(__file__).resolve().parents[1] / 'configs/classification/_base_/datasets'


@pytest.mark.parametrize('n_max,num_classes,ratio,total,tail', [
    (5000, 10, 100, 12406, 50), (5000, 10, 50, 13996, 100),
    (500, 100, 100, 10847, 5), (500, 100, 50, 12608, 10)])
def test_long_tail_counts_match_the_lt_literature(n_max, num_classes, ratio, total, tail):
    """The training-set sizes every CIFAR-LT paper reports (Cao et al., 2019 and followers)."""
    counts = long_tail_counts(n_max, num_classes, ratio)
    assert (counts[0], counts[-1], sum(counts)) == (n_max, tail, total)
    assert all(a >= b for a, b in zip(counts, counts[1:]))


@pytest.mark.parametrize('cls,num_classes,ratio', [
    (CIFAR10LT, 10, 100), (CIFAR10LT, 10, 50), (CIFAR100LT, 100, 100), (CIFAR100LT, 100, 50)])
def test_lt_keeps_first_n_c_per_class_and_a_balanced_test_set(tmp_path, cls, num_classes, ratio):
    n_max = 40 if num_classes == 10 else 20
    make_cifar(tmp_path, num_classes, train_per_class=[n_max] * num_classes, test_per_class=2)
    full = cls(data_root=str(tmp_path), imbalance_ratio=1, check_md5=False)
    lt = cls(data_root=str(tmp_path), imbalance_ratio=ratio, check_md5=False)
    expected = long_tail_counts(n_max, num_classes, ratio)
    assert [Counter(lt.get_gt_labels())[c] for c in range(num_classes)] == expected
    assert Counter(full.get_gt_labels()) == {c: n_max for c in range(num_classes)}
    # The kept images are the first n_c of each class, in file order.
    full_infos = [full.get_data_info(i) for i in range(len(full))]
    lt_infos = [lt.get_data_info(i) for i in range(len(lt))]
    for c in (0, num_classes // 2, num_classes - 1):
        first = [d['img'] for d in full_infos if d['gt_label'] == c][:expected[c]]
        kept = [d['img'] for d in lt_infos if d['gt_label'] == c]
        assert len(kept) == len(first) and all(np.array_equal(a, b) for a, b in zip(kept, first))
    test = cls(data_root=str(tmp_path), split='test', imbalance_ratio=ratio, check_md5=False)
    assert Counter(test.get_gt_labels()) == {c: 2 for c in range(num_classes)}


def test_cifar_checks_md5_by_default_and_never_downloads(tmp_path):
    make_cifar(tmp_path, 10, train_per_class=[2] * 10)
    with pytest.raises(RuntimeError, match='check_md5=False'):  # tiny files: not the release's MD5
        CIFAR10LT(data_root=str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r'train_dataloader\.dataset\.data_root='):
        CIFAR10LT(data_root=str(tmp_path / 'nowhere'), check_md5=False)
    assert not (tmp_path / 'nowhere').exists()


def test_cifar_c_indexes_corruption_and_severity(tmp_path):
    root = make_cifar_c(tmp_path, per_severity=6)
    labels = np.load(root / 'labels.npy')
    ds = CIFAR10C(data_root=str(root), corruptions=list(CIFAR_C_CORRUPTIONS))
    assert len(ds) == len(CIFAR_C_CORRUPTIONS) * 5 * 6
    seen = Counter()
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        marker = info['img'][0, 0]  # (corruption position + 1, severity, row)
        assert CIFAR_C_CORRUPTIONS[marker[0] - 1] == info['corruption']
        assert marker[1] == info['severity'] and info['img'].shape == (32, 32, 3)
        assert info['gt_label'] == labels[marker[2]]
        seen[(info['corruption'], info['severity'])] += 1
    assert set(seen.values()) == {6} and len(seen) == 15
    assert list(ds.get_gt_labels()) == [ds.get_data_info(i)['gt_label'] for i in range(len(ds))]

    sub = CIFAR10C(data_root=str(root), corruptions=['fog'], severities=(5, ))
    assert len(sub) == 6 and {tuple(sub.get_data_info(i)['img'][0, 0, :2]) for i in range(6)} == {(2, 5)}
    # A dataset copy (e.g. get_subset) re-opens its memory maps instead of pickling them.
    assert np.array_equal(sub.get_subset([1]).get_data_info(0)['img'], sub.get_data_info(1)['img'])


def test_cifar_c_rejects_bad_arguments_and_files(tmp_path):
    root = make_cifar_c(tmp_path, per_severity=2)
    with pytest.raises(FileNotFoundError, match='shot_noise.npy'):  # benchmark default: 15 files
        CIFAR10C(data_root=str(root))
    with pytest.raises(ValueError, match='Unknown corruption'):
        CIFAR10C(data_root=str(root), corruptions=['fogg'])
    with pytest.raises(ValueError, match='severities'):
        CIFAR10C(data_root=str(root), corruptions=['fog'], severities=(0, 6))
    np.save(root / 'fog.npy', np.zeros((3, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match='shape'):
        CIFAR10C(data_root=str(root), corruptions=['fog'])


def test_corruption_accuracy_table_and_mean():
    evaluator = Evaluator(CorruptionAccuracy())
    # gaussian_noise: severity 1 all right, severity 2 half right; fog: severity 1 all wrong.
    cells = {('gaussian_noise', 1): [1, 1], ('gaussian_noise', 2): [1, 0], ('fog', 1): [0, 0]}
    samples = []
    for (corruption, severity), right in cells.items():
        for r in right:
            score = torch.tensor([0.9, 0.1]) if r else torch.tensor([0.1, 0.9])
            samples.append(DataSample(metainfo=dict(corruption=corruption, severity=severity))
                           .set_gt_label(0).set_pred_score(score))
    evaluator.process(samples)
    metrics = evaluator.evaluate(len(samples))
    assert next(iter(metrics)) == 'corruption/top1'
    assert metrics['corruption/top1'] == pytest.approx(50.0)  # mean of the cells 100, 50, 0
    assert metrics['corruption/gaussian_noise/1'] == 100 and metrics['corruption/gaussian_noise/2'] == 50
    assert metrics['corruption/fog/1'] == 0 and metrics['corruption/gaussian_noise/mean'] == 75
    assert metrics['corruption/severity/1'] == 50 and metrics['corruption/severity/2'] == 50
    table = CorruptionAccuracy.table(
        {k.split('/', 1)[1]: v for k, v in metrics.items()}, ['gaussian_noise', 'fog'], [1, 2])
    assert '| gaussian_noise | 100.00 | 50.00 | 75.00 |' in table and '| fog | 0.00 | - | 0.00 |' in table

    with pytest.raises(KeyError, match='meta_keys'):
        Evaluator(CorruptionAccuracy()).process(
            [DataSample().set_gt_label(0).set_pred_score(torch.tensor([0.9, 0.1]))])


def test_cifar10_c_config_runs_a_real_test_loop(tmp_path):
    """The base config's test loader + evaluator through mmengine's Runner with a real classifier."""
    cfg = Config.fromfile(str(CONFIGS / 'cifar10-c_224.py'))
    root = make_cifar_c(tmp_path / 'c', per_severity=1)
    cfg.test_dataloader.dataset.data_root = str(root)
    cfg.test_dataloader.dataset.corruptions = list(CIFAR_C_CORRUPTIONS)
    cfg.test_dataloader.update(batch_size=8, num_workers=0)
    assert cfg.data_preprocessor.num_classes == 10 and cfg.test_evaluator.type == 'CorruptionAccuracy'
    assert cfg.train_dataloader.dataset.type == 'CIFAR10LT'  # trains on clean CIFAR-10
    model = dict(type='ImageClassifier', data_preprocessor=cfg.data_preprocessor,
                 # A slim ResNet-18 (8 base channels): the test is about the data path, not the model.
                 backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8),
                 neck=dict(type='GlobalAveragePooling'),
                 head=dict(type='LinearClsHead', num_classes=10, in_channels=64))
    runner = Runner(model=model, work_dir=str(tmp_path / 'work'), test_dataloader=cfg.test_dataloader,
                    test_evaluator=cfg.test_evaluator, test_cfg=dict(), default_scope='mmpretrain',
                    log_level='WARNING')
    metrics = runner.test()
    cells = [k for k in metrics if k.count('/') == 2 and k.split('/')[1] in CIFAR_C_CORRUPTIONS
             and not k.endswith('/mean')]
    assert len(cells) == len(CIFAR_C_CORRUPTIONS) * 5 and 'corruption/jpeg_compression/5' in metrics
    assert 0 <= metrics['corruption/top1'] <= 100


@pytest.mark.parametrize('name,dataset_type,num_classes,ratio', [
    ('cifar10', 'CIFAR10LT', 10, 1), ('cifar100', 'CIFAR100LT', 100, 1),
    ('cifar10-lt-ir100', 'CIFAR10LT', 10, 100), ('cifar10-lt-ir50', 'CIFAR10LT', 10, 50),
    ('cifar100-lt-ir100', 'CIFAR100LT', 100, 100), ('cifar100-lt-ir50', 'CIFAR100LT', 100, 50)])
def test_cifar_configs_build_their_loaders(tmp_path, name, dataset_type, num_classes, ratio):
    cfg = Config.fromfile(str(CONFIGS / f'{name}_224.py'))
    assert cfg.data_preprocessor.num_classes == num_classes and cfg.val_evaluator.type == 'Accuracy'
    make_cifar(tmp_path, num_classes, train_per_class=[8] * num_classes, test_per_class=1)
    train = dict(cfg.train_dataloader.dataset, data_root=str(tmp_path), check_md5=False)
    assert (train['type'], train['imbalance_ratio']) == (dataset_type, ratio)
    sample = DATASETS.build(train)[0]
    assert sample['inputs'].shape == (3, 224, 224)
    val = DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=str(tmp_path), check_md5=False))
    assert len(val) == num_classes and val[0]['inputs'].shape == (3, 224, 224)


@pytest.mark.parametrize('num_classes', [10, 100])
def test_cifar_c_configs_carry_corruption_and_severity_to_the_data_sample(tmp_path, num_classes):
    cfg = Config.fromfile(str(CONFIGS / f'cifar{num_classes}-c_224.py'))
    assert cfg.data_preprocessor.num_classes == num_classes
    assert cfg.val_evaluator.type == 'Accuracy' and cfg.test_evaluator == dict(type='CorruptionAccuracy')
    assert cfg.val_dataloader.dataset.type == cfg.train_dataloader.dataset.type  # clean CIFAR
    root = make_cifar_c(tmp_path, num_classes=num_classes, per_severity=2)
    dataset = dict(cfg.test_dataloader.dataset, data_root=str(root), corruptions=['fog'])
    assert dataset['type'] == f'CIFAR{num_classes}C'
    ds = DATASETS.build(dataset)
    sample = ds[len(ds) - 1]
    assert sample['inputs'].shape == (3, 224, 224)
    assert (sample['data_samples'].corruption, sample['data_samples'].severity) == ('fog', 5)
