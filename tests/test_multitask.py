"""Multi-task serving: one frozen ResNet-18 shared by a classifier (mmpretrain), a RetinaNet (mmdet)
and an UperNet (mmseg), each loaded from its delta; results must equal each task's merged full
model run alone through the plain OpenMMLab inferencer, and switching tasks must copy nothing.
Full checkpoints are accepted too: they must serve like their deltas, on the same shared backbone."""
import json
import re
import textwrap
from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
from mmengine.registry import MODELS

import protuning_mm  # noqa: F401
from protuning_mm.apis import MultiTaskInferencer, build_task_model
from protuning_mm.engine import merge_delta, save_delta
from protuning_mm.testing import make_fake_pretrained

# Every task must configure the shared inner backbone identically: all four maps out, the
# classification head uses the last one.
INNER = ("dict(type='mmpretrain.ResNet', depth=18, out_indices=(0, 1, 2, 3), "
         "init_cfg=dict(type='Pretrained', checkpoint='{base}', prefix='backbone'))")

CONFIGS = {
    'cls': """
        _base_ = ['mmpretrain::resnet/resnet18_8xb32_in1k.py']
        custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)
        model = dict(backbone=dict(_delete_=True, type='ProTuningBackbone', backbone={inner}),
                     head=dict(num_classes=5))
        test_dataloader = dict(dataset=dict(pipeline=[
            dict(type='LoadImageFromFile'), dict(type='ResizeEdge', scale=72, edge='short'),
            dict(type='CenterCrop', crop_size=64), dict(type='PackInputs')]))
        """,
    'det': """
        _base_ = ['mmdet::retinanet/retinanet_r18_fpn_1x_coco.py']
        custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)
        model = dict(backbone=dict(_delete_=True, type='ProTuningBackbone', backbone={inner}),
                     neck=dict(out_channels=32),
                     bbox_head=dict(num_classes=3, in_channels=32, feat_channels=32, stacked_convs=1),
                     test_cfg=dict(score_thr=0.0, max_per_img=20))
        test_dataloader = dict(dataset=dict(pipeline=[
            dict(type='LoadImageFromFile'), dict(type='Resize', scale=(128, 96), keep_ratio=True),
            dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                                                  'scale_factor'))]))
        """,
    'seg': """
        _base_ = ['mmseg::upernet/upernet_r18_4xb2-40k_cityscapes-512x1024.py']
        custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)
        norm_cfg = dict(type='BN', requires_grad=True)
        model = dict(pretrained=None,
                     backbone=dict(_delete_=True, type='ProTuningBackbone', backbone={inner}),
                     decode_head=dict(channels=32, num_classes=4, norm_cfg=norm_cfg),
                     auxiliary_head=dict(channels=16, num_classes=4, norm_cfg=norm_cfg))
        test_dataloader = dict(dataset=dict(pipeline=[
            dict(type='LoadImageFromFile'), dict(type='Resize', scale=(128, 64), keep_ratio=True),
            dict(type='PackSegInputs')]))
        """,
}
META = {
    'cls': dict(classes=[f'c{i}' for i in range(5)]),
    'det': dict(classes=('a', 'b', 'c'), palette=[(255, 0, 0), (0, 255, 0), (0, 0, 255)]),
    'seg': dict(classes=('w', 'x', 'y', 'z'), palette=[[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]]),
}


def write_config(folder: Path, kind: str, base: Path, **inner_changes) -> Path:
    inner = INNER.format(base=base)
    for key, value in inner_changes.items():
        inner = inner.replace(f'{key}=(0, 1, 2, 3)', f'{key}={value}')
    path = folder / f'{kind}.py'
    path.write_text(textwrap.dedent(CONFIGS[kind].format(inner=inner)))
    return path


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('multitask')
    torch.manual_seed(0)
    base = tmp / 'resnet18_fake_base.pth'
    make_fake_pretrained(MODELS.build(dict(type='mmpretrain.ResNet', depth=18)), base)
    configs, deltas, merged = {}, {}, {}
    for kind in CONFIGS:
        configs[kind] = write_config(tmp, kind, base)
        model = build_task_model(str(configs[kind]))
        with torch.no_grad():  # stand-in for training: every trainable tensor moves
            for p in model.parameters():
                if p.requires_grad:
                    p.add_(torch.randn_like(p) * 0.05)
        deltas[kind] = tmp / f'{kind}_delta.pth'
        save_delta(model, str(deltas[kind]), meta=dict(dataset_meta=META[kind]))
        merged[kind] = tmp / f'{kind}_full.pth'
        torch.save(merge_delta(model, str(deltas[kind])), merged[kind])
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 255, (96, 128, 3), dtype=np.uint8) for _ in range(2)]
    image_dir = tmp / 'images'
    image_dir.mkdir()
    for i, img in enumerate(images):
        mmcv.imwrite(img, str(image_dir / f'img{i}.png'))
    server = MultiTaskInferencer(device='cpu')
    for kind in CONFIGS:
        server.add_task(kind, str(configs[kind]), str(deltas[kind]))
    return dict(tmp=tmp, base=base, configs=configs, deltas=deltas, merged=merged, images=images,
                image_dir=image_dir, server=server)


def outputs(kind: str, result: dict) -> list:
    """The prediction tensors of each image, per task kind."""
    # mmpretrain returns a list of samples, mmdet a dict of them, mmseg a list or a single sample.
    samples = result['predictions'] if isinstance(result, dict) else result
    samples = samples if isinstance(samples, list) else [samples]
    if kind == 'cls':
        return [s.pred_score for s in samples]
    if kind == 'det':
        return [t for s in samples for t in (s.pred_instances.bboxes, s.pred_instances.scores,
                                             s.pred_instances.labels)]
    return [t for s in samples for t in (s.pred_sem_seg.data, s.seg_logits.data)]


def standalone(kind: str, config: Path, weights: Path):
    """The plain OpenMMLab inferencer on a merged full checkpoint, as a user without us would run it."""
    if kind == 'cls':
        from mmpretrain.apis import ImageClassificationInferencer
        return ImageClassificationInferencer(str(config), pretrained=str(weights), device='cpu')
    if kind == 'det':
        from mmdet.apis import DetInferencer
        return DetInferencer(str(config), weights=str(weights), device='cpu', show_progress=False)
    from mmseg.apis import MMSegInferencer
    return MMSegInferencer(str(config), weights=str(weights), device='cpu')


@pytest.fixture(scope='module')
def full_server(setup):
    """A second server whose tasks come as full checkpoints: the first one checks against its own
    loaded base, the second against the shared one."""
    assert protuning_mm.__file__.startswith(str(Path(__file__).parents[1]))  # this checkout's code
    server = MultiTaskInferencer(device='cpu')
    for kind in ('cls', 'det'):
        server.add_task(kind, str(setup['configs'][kind]), str(setup['merged'][kind]))
    return server


def backbone_storages(server: MultiTaskInferencer) -> dict:
    return {kind: sorted(t.data_ptr() for t in server.inferencer(kind).model.backbone.backbone.state_dict().values())
            for kind in server.tasks}


def test_tasks_share_one_backbone_and_switching_copies_nothing(setup):
    server = setup['server']
    assert server.tasks == {'cls': 'classification', 'det': 'detection', 'seg': 'segmentation'}
    models = {kind: server.inferencer(kind).model for kind in server.tasks}
    assert all(m.backbone.backbone is server.base for m in models.values())
    before = backbone_storages(server)
    assert len({tuple(v) for v in before.values()}) == 1  # the very same tensors in every task
    for kind in ['det', 'cls', 'seg', 'det']:
        server(kind, setup['images'][:1], return_datasamples=True)
    assert backbone_storages(server) == before
    # Memory: distinct parameter storages across all tasks = one backbone + each task's own parts.
    unique = {p.data_ptr(): p.numel() for m in models.values() for p in m.parameters()}
    per_model = sum(p.numel() for m in models.values() for p in m.parameters())
    base = sum(p.numel() for p in server.base.parameters())
    assert sum(unique.values()) == per_model - 2 * base


@pytest.mark.parametrize('kind', ['cls', 'det', 'seg'])
def test_results_equal_merged_full_model_alone(setup, kind):
    server = setup['server']
    for other in CONFIGS:  # another task ran last: its prompts must not leak into this one
        if other != kind:
            server(other, setup['images'][:1], return_datasamples=True)
            break
    shared = outputs(kind, server(kind, setup['images'], return_datasamples=True))
    alone = outputs(kind, standalone(kind, setup['configs'][kind], setup['merged'][kind])(
        setup['images'], return_datasamples=True))
    assert len(shared) == len(alone) and len(shared) > 0
    for a, b in zip(shared, alone):
        assert torch.equal(a, b), (kind, (a.float() - b.float()).abs().max())
    if kind == 'det':
        assert shared[0].shape[0] > 0  # real detections were compared, not two empty lists


def test_refuses_other_base_and_other_backbone_config(setup, tmp_path):
    server = setup['server']
    hooks = len(server.base.layer1._forward_hooks)
    delta = torch.load(setup['deltas']['cls'], map_location='cpu')
    delta['meta']['protuning_delta']['fingerprint'] = '0' * 64
    torch.save(delta, tmp_path / 'other_base.pth')
    with pytest.raises(RuntimeError, match='fingerprint'):
        server.add_task('other', str(setup['configs']['cls']), str(tmp_path / 'other_base.pth'))
    config = write_config(tmp_path, 'cls', setup['base'], out_indices='(3, )')
    with pytest.raises(ValueError, match=r'differs.*out_indices'):
        server.add_task('other', str(config), str(setup['deltas']['cls']))
    full = torch.load(setup['merged']['cls'], map_location='cpu')
    changed = 'backbone.backbone.layer3.0.conv2.weight'  # one frozen tensor, as if fine-tuned
    full['state_dict'][changed] = full['state_dict'][changed] + 1e-3
    torch.save(full, tmp_path / 'other_frozen.pth')
    with pytest.raises(RuntimeError, match=r'differs from the base in 1 of \d+ tensors: '
                       + re.escape(changed) + r'\..*--allow-base-mismatch'):
        server.add_task('other', str(setup['configs']['cls']), str(tmp_path / 'other_frozen.pth'))
    assert 'other' not in server.tasks
    assert len(server.base.layer1._forward_hooks) == hooks  # refused tasks left no hooks behind


def test_infer_cli(setup, run_tool):
    out = setup['tmp'] / 'cli_out'
    weights = {**setup['deltas'], 'seg': setup['merged']['seg']}  # deltas and a full checkpoint mixed
    args = [a for kind in CONFIGS for a in ('--task', kind, str(setup['configs'][kind]), str(weights[kind]))]
    args += [a for kind in CONFIGS for a in ('--run', kind, str(setup['image_dir']))]
    proc = run_tool('tools/infer.py', *args, '--out-dir', str(out), '--device', 'cpu')
    assert 'resident memory' in proc.stdout
    preds = json.loads((out / 'cls' / 'preds' / 'img0.json').read_text())
    assert preds['pred_class'] in META['cls']['classes']
    assert len(list((out / 'det' / 'preds').glob('*.json'))) == 2
    assert len(list((out / 'det' / 'vis').glob('*.png'))) == 2
    assert len(list((out / 'seg' / 'vis').glob('*.png'))) == 2


def test_full_checkpoints_serve_like_deltas_on_one_backbone(setup, full_server):
    for kind in full_server.tasks:
        from_full = outputs(kind, full_server(kind, setup['images'], return_datasamples=True))
        from_delta = outputs(kind, setup['server'](kind, setup['images'], return_datasamples=True))
        assert len(from_full) == len(from_delta) > 0
        for a, b in zip(from_full, from_delta):
            assert torch.equal(a, b), (kind, (a.float() - b.float()).abs().max())
    # The full checkpoints' frozen tensors were dropped: one backbone in memory, as with deltas.
    models = [full_server.inferencer(kind).model for kind in full_server.tasks]
    assert all(m.backbone.backbone is full_server.base for m in models)
    assert full_server.base_fingerprint == setup['server'].base_fingerprint
    unique = {p.data_ptr(): p.numel() for m in models for p in m.parameters()}
    per_model = sum(p.numel() for m in models for p in m.parameters())
    assert sum(unique.values()) == per_model - (len(models) - 1) * sum(p.numel() for p in full_server.base.parameters())


def test_dataset_meta_comes_from_the_checkpoints(setup):
    server = setup['server']
    assert server.inferencer('cls').classes == META['cls']['classes']
    det = server.inferencer('det')
    assert det.model.dataset_meta['classes'] == META['det']['classes']
    assert det.visualizer.dataset_meta is det.model.dataset_meta
    assert det.model.dataset_meta['palette'] != 'random'  # the config's dataset palette wins, as in mmdet
    seg = server.inferencer('seg').model.dataset_meta
    assert seg == {'classes': META['seg']['classes'], 'palette': META['seg']['palette']}


def test_url_checkpoints_load_through_mmengine(setup, monkeypatch):
    from mmengine.runner import CheckpointLoader
    load, urls = CheckpointLoader.load_checkpoint, []

    def fake_download(filename, map_location=None, logger='current'):
        if not filename.startswith('https://'):  # the base, through its init_cfg
            return load(filename, map_location, logger)
        urls.append(filename)
        return torch.load(setup['deltas']['cls'], map_location='cpu')

    monkeypatch.setattr(CheckpointLoader, 'load_checkpoint', fake_download)
    server = MultiTaskInferencer(device='cpu')
    server.add_task('cls', str(setup['configs']['cls']), 'https://example.com/cls_delta.pth')
    assert urls == ['https://example.com/cls_delta.pth']
    expected = outputs('cls', setup['server']('cls', setup['images'], return_datasamples=True))
    got = outputs('cls', server('cls', setup['images'], return_datasamples=True))
    assert len(got) == len(expected) > 0
    assert all(torch.equal(a, b) for a, b in zip(got, expected))
