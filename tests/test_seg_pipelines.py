"""protuning_mm/datasets/seg_pipelines.py: the segmentation configs put CheckSegLabels right after
LoadAnnotations (found by type) in their train, val and test pipelines."""
from pathlib import Path

import pytest
from mmengine.config import Config

from protuning_mm.datasets.seg_pipelines import with_seg_label_check

ROOT = Path(__file__).resolve().parents[1]
SEG_CONFIGS = sorted(p for p in (ROOT / 'configs' / 'segmentation').rglob('*.py') if '_base_' not in p.parts)
SEG_CONFIGS += sorted((ROOT / 'configs').glob('*_ade20k.py'))  # the top-level shortcuts


def _types(pipeline):
    return [step['type'] for step in pipeline]


def test_inserted_after_load_annotations_wherever_it_is():
    train = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='RandomFlip')]
    test = [dict(type='LoadImageFromFile'), dict(type='Resize'), dict(type='mmseg.LoadAnnotations'),
            dict(type='PackSegInputs')]
    assert _types(with_seg_label_check(train, 150)) == [
        'LoadImageFromFile', 'LoadAnnotations', 'CheckSegLabels', 'RandomFlip']
    edited = with_seg_label_check(test, 19)
    assert _types(edited) == ['LoadImageFromFile', 'Resize', 'mmseg.LoadAnnotations', 'CheckSegLabels',
                              'PackSegInputs']
    assert edited[3]['num_classes'] == 19
    assert len(test) == 4  # the input is not changed


@pytest.mark.parametrize('count', [0, 2])
def test_needs_exactly_one_load_annotations(count):
    with pytest.raises(ValueError, match=f'found {count}'):
        with_seg_label_check([dict(type='LoadImageFromFile')] + [dict(type='LoadAnnotations')] * count, 150)


def test_every_seg_config_checks_labels_right_after_loading_them():
    assert len(SEG_CONFIGS) >= 11
    for path in SEG_CONFIGS:
        cfg = Config.fromfile(str(path))
        for split in ('train', 'val', 'test'):
            types = _types(cfg[f'{split}_dataloader'].dataset.pipeline)
            assert types.count('LoadAnnotations') == 1, (path.name, split, types)
            at = types.index('LoadAnnotations')
            assert types[at + 1:at + 2] == ['CheckSegLabels'], (path.name, split, types)
            assert cfg[f'{split}_dataloader'].dataset.pipeline[at + 1].num_classes == cfg.model.decode_head.num_classes


def test_mmseg_inferencer_runs_a_shipped_config_whose_pipeline_checks_labels():
    """mmseg's inferencer drops LoadAnnotations from the test pipeline; the label check then has nothing
    to check and must pass the image through (it raised KeyError on every shipped seg config)."""
    import numpy as np
    from mmengine.config import Config
    from mmseg.apis import MMSegInferencer

    cfg = Config.fromfile(str(ROOT / 'configs/segmentation/composite/fcn_mobilenetv2_protuning_composite-256.py'))
    cfg.model.backbone.backbone.init_cfg = None
    assert 'CheckSegLabels' in _types(cfg.test_dataloader.dataset.pipeline)
    inferencer = MMSegInferencer(model=cfg, weights=None, device='cpu')
    image = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    pred = inferencer(image, return_datasamples=True)
    assert tuple(pred.pred_sem_seg.data.shape[-2:]) == (48, 64)
