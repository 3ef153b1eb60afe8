import pytest
from mmengine.config import Config

from protuning_mm.utils.data_paths import check_data_paths


def coco_like(root, ann='annotations/instances_train2017.json', img='train2017/'):
    return Config(dict(train_dataloader=dict(dataset=dict(
        type='RepeatDataset', times=2,
        dataset=dict(type='CocoDataset', data_root=str(root), ann_file=ann, data_prefix=dict(img=img))))))


def test_existing_paths_pass(tmp_path):
    (tmp_path / 'annotations').mkdir()
    (tmp_path / 'annotations' / 'instances_train2017.json').write_text('{}')
    (tmp_path / 'train2017').mkdir()
    check_data_paths(coco_like(tmp_path))


@pytest.mark.parametrize('make, match', [
    (lambda p: coco_like(p / 'nowhere'),
     r"Dataset root .*nowhere' \(train_dataloader\.dataset\.dataset\.data_root\) does not exist.*"
     r'--cfg-options train_dataloader\.dataset\.dataset\.data_root='),
    (lambda p: coco_like(p),
     r'Annotation file .*instances_train2017\.json.*--cfg-options train_dataloader\.dataset\.dataset\.ann_file='),
    (lambda p: coco_like(p, ann=''),
     r'Data folder .*train2017.*train_dataloader\.dataset\.dataset\.data_prefix\.img='),
])
def test_missing_paths_name_the_option(tmp_path, make, match):
    with pytest.raises(FileNotFoundError, match=match):
        check_data_paths(make(tmp_path))
    assert not (tmp_path / 'nowhere').exists()


def test_remote_and_unchecked_splits_are_skipped(tmp_path):
    cfg = Config(dict(
        train_dataloader=dict(dataset=dict(data_root='s3://bucket/coco', ann_file='a.json')),
        test_dataloader=dict(dataset=dict(data_root=str(tmp_path / 'missing')))))
    check_data_paths(cfg, splits=('train', ))
    with pytest.raises(FileNotFoundError):
        check_data_paths(cfg, splits=('test', ))


def test_evaluator_annotation_file_is_checked(tmp_path):
    (tmp_path / 'val2017').mkdir()
    (tmp_path / 'val.json').write_text('{}')
    cfg = Config(dict(
        val_dataloader=dict(dataset=dict(data_root=str(tmp_path), ann_file='val.json',
                                         data_prefix=dict(img='val2017/'))),
        val_evaluator=dict(type='CocoMetric', ann_file='data/coco/annotations/instances_val2017.json')))
    with pytest.raises(FileNotFoundError, match=r'--cfg-options val_evaluator\.ann_file='):
        check_data_paths(cfg, splits=('val', ))
    cfg.val_evaluator.ann_file = str(tmp_path / 'val.json')
    check_data_paths(cfg, splits=('val', ))
