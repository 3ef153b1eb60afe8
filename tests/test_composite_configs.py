"""The dense study's configs (configs/{segmentation,detection}/composite/, benchmarks/dense_payoff.py) build
in their scope, wrap an mmpretrain MobileNetV2 with the paradigm their name says, and train what it says:
head retraining < Pro-tuning < full fine-tuning, the difference being the prompt blocks and the backbone."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

import protuning_mm  # noqa: F401
from protuning_mm.models import ProTuningBackbone

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {
    'mmseg': 'configs/segmentation/composite/{}_mobilenetv2_{}_composite-256.py',
    'mmdet': 'configs/detection/composite/{}_mobilenetv2_fpn_{}_composite-320.py',
}
MODELS_BY_SCOPE = {'mmseg': ['upernet', 'fcn'], 'mmdet': ['mask-rcnn']}


def build(scope: str, path: str):
    cfg = Config.fromfile(str(ROOT / path))
    cfg.model.backbone.backbone.init_cfg = None  # the ImageNet checkpoint is written by the study
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    with DefaultScope.overwrite_default_scope(scope):
        return registry.build(cfg.model), cfg


def test_every_composite_config_is_listed():
    found = {str(p.relative_to(ROOT)) for p in ROOT.glob('configs/*/composite/*.py')}
    listed = {CONFIGS[scope].format(m, p) for scope, models in MODELS_BY_SCOPE.items() for m in models
              for p in ('head', 'protuning', 'full')}
    assert found == listed


@pytest.mark.parametrize('scope, name', [(s, m) for s, ms in MODELS_BY_SCOPE.items() for m in ms])
def test_paradigms_train_what_they_say(scope, name):
    counts = {}
    for paradigm in ('head', 'protuning', 'full'):
        model, cfg = build(scope, CONFIGS[scope].format(name, paradigm))
        wrapper = model.backbone
        assert isinstance(wrapper, ProTuningBackbone) and wrapper.paradigm.name == paradigm
        assert type(wrapper.backbone).__name__ == 'MobileNetV2'
        assert cfg.runner_type == 'ProTuningRunner' and cfg.train_cfg.type == 'IterBasedTrainLoop'
        counts[paradigm] = (sum(p.numel() for p in model.parameters() if p.requires_grad),
                            sum(p.numel() for p in wrapper.prompts.parameters()),
                            sum(p.numel() for p in wrapper.backbone.parameters() if p.requires_grad))
    (head, _, head_bb), (pro, prompts, pro_bb), (full, _, full_bb) = counts['head'], counts['protuning'], counts['full']
    assert head_bb == pro_bb == 0 and prompts > 0
    assert pro == head + prompts
    assert full == head + full_bb and full_bb > prompts


def test_the_study_reruns_a_cell_whose_base_config_changed(tmp_path):
    """A cell is reused by its tools/train.py command, which does not show an edit inside a base config."""
    from benchmarks.dense_payoff import config_drift
    (tmp_path / 'base.py').write_text("model = dict(depth=2, width=8)\nprompt_lr_mult = 1.0\n")
    top = tmp_path / 'top.py'
    top.write_text("_base_ = ['./base.py']\nmodel = dict(width=16)\n")
    run_dir = tmp_path / 'run'
    run_dir.mkdir()
    ran = Config.fromfile(str(top))
    ran.merge_from_dict({'model.depth': 3, 'work_dir': str(run_dir), 'launcher': 'none'})  # as tools/train.py ran it
    ran.dump(str(run_dir / 'top.py'))
    command = ['tools/train.py', str(top), '--work-dir', str(run_dir), '--cfg-options', 'model.depth=3']
    assert config_drift(command, run_dir) == []
    (tmp_path / 'base.py').write_text("model = dict(depth=2, width=8)\nprompt_lr_mult = 10.0\n")
    assert config_drift(command, run_dir) == ['prompt_lr_mult: 1.0 then, 10.0 now']
    assert config_drift(command, run_dir, ['prompt_lr_mult']) == []  # as the study skips it where there are no prompts
    top.write_text("_base_ = ['./base.py']\nmodel = dict(width=32, act='relu')\n")
    assert sorted(config_drift(command, run_dir, ['prompt_lr_mult'])) == ['model.act (new)', 'model.width: 16 then, 32 now']
    # a key the run lacked, vouched for by the record (checked by hand), is not a drift
    assert config_drift(command, run_dir, ['prompt_lr_mult', 'model.act']) == ['model.width: 16 then, 32 now']
