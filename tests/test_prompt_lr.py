"""The prompt learning-rate multiplier: resolved per optimizer type, applied to exactly the prompt
parameters (found by structure) by mmengine's own optimizer constructor, and by the runner that the
runtime base selects."""
import copy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import MODELS

import protuning_mm  # noqa: F401  (registers the wrapper, the hooks and the runner)
from protuning_mm.engine import param_groups, prompt_param_keys, resolve_prompt_lr_mult, with_prompt_lr_mult
from protuning_mm.models import PromptBlock

ROOT = Path(__file__).resolve().parents[1]


def classifier(paradigm: str = 'protuning', **kwargs):
    return MODELS.build(dict(
        _scope_='mmpretrain',  # whatever default scope an earlier test's runner left behind
        type='mmpretrain.ImageClassifier',
        backbone=dict(type='ProTuningBackbone', paradigm=paradigm, **kwargs,
                      backbone=dict(type='mmpretrain.ResNet', depth=18, out_indices=(3, ), init_cfg=None)),
        neck=dict(type='mmpretrain.GlobalAveragePooling'),
        head=dict(type='mmpretrain.LinearClsHead', num_classes=3, in_channels=512)))


def groups_by_param(optim_wrapper, model):
    names = {id(p): n for n, p in model.named_parameters()}
    return {names[id(p)]: g for g in optim_wrapper.optimizer.param_groups for p in g['params']}


def test_resolve_per_optimizer_type():
    table = dict(SGD=3.0, AdamW=10.0, default=2.0)
    assert resolve_prompt_lr_mult(table, 'SGD') == 3.0
    assert resolve_prompt_lr_mult(table, 'mmpretrain.AdamW') == 10.0  # scoped type names
    assert resolve_prompt_lr_mult(table, 'Adam') == 2.0
    assert resolve_prompt_lr_mult(dict(SGD=3.0), 'Adam') == 1.0
    assert resolve_prompt_lr_mult(5, 'SGD') == 5.0 and resolve_prompt_lr_mult(None, 'SGD') == 1.0
    with pytest.raises(TypeError, match='prompt_lr_mult must be a number or a dict'):
        resolve_prompt_lr_mult('fast', 'SGD')


def test_prompt_params_found_by_structure():
    model = classifier(blocks_per_position=2)
    keys = prompt_param_keys(model)
    blocks = [m for m in model.modules() if isinstance(m, PromptBlock)]
    assert len(blocks) == 8
    assert len(keys) == sum(len(list(b.parameters())) for b in blocks)
    assert sum(keys.values()) == 8  # one beta per block
    assert all(name.startswith('backbone.prompts.') for name in keys)
    assert prompt_param_keys(classifier('head')) == {}


def test_param_report_finds_beta_by_structure():
    """beta is each PromptBlock's own tensor: a prompt parameter merely named '*beta' is not beta."""
    model = classifier()
    blocks = [m for m in model.modules() if isinstance(m, PromptBlock)]
    rows = {group.split(' (')[0]: (trainable, total) for group, trainable, total in param_groups(model)}
    assert rows['backbone.prompts beta'] == (len(blocks), len(blocks))
    before = rows['backbone.prompts']
    blocks[0].conv1.register_parameter('gn_beta', torch.nn.Parameter(torch.zeros(5)))
    rows = {group.split(' (')[0]: (trainable, total) for group, trainable, total in param_groups(model)}
    assert rows['backbone.prompts beta'] == (len(blocks), len(blocks))
    assert rows['backbone.prompts'] == (before[0] + 5, before[1] + 5)
    fixed = {group.split(' (')[0]: total for group, _, total in param_groups(classifier(prompt_cfg=dict(
        learnable_beta=False)))}
    assert fixed['backbone.prompts beta'] == 0  # a fixed beta is a buffer, not a parameter


@pytest.mark.parametrize('optimizer', [dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4),
                                       dict(type='AdamW', lr=1e-3, weight_decay=0.05)])
def test_mmengine_builds_the_multiplied_groups(optimizer):
    model = classifier()
    # The AdamW schedules already exempt '.beta' from weight decay: the exact keys must win over it.
    cfg = dict(optimizer=optimizer, paramwise_cfg=dict(custom_keys={'.beta': dict(decay_mult=0.0)}))
    original = copy.deepcopy(cfg)
    wrapper = build_optim_wrapper(model, with_prompt_lr_mult(cfg, model, dict(SGD=3.0, AdamW=10.0)))
    assert cfg == original  # the config handed in is not modified
    mult = 3.0 if optimizer['type'] == 'SGD' else 10.0
    groups = groups_by_param(wrapper, model)
    prompt = prompt_param_keys(model)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert set(groups) == trainable  # the frozen backbone never reaches the optimizer
    for name in trainable:
        lr, wd = groups[name]['lr'], groups[name]['weight_decay']
        if name in prompt:
            assert lr == pytest.approx(optimizer['lr'] * mult), name
            assert wd == (0.0 if prompt[name] else pytest.approx(optimizer['weight_decay'])), name
        else:  # the head trains at the base rate
            assert lr == pytest.approx(optimizer['lr']) and wd == pytest.approx(optimizer['weight_decay']), name


def test_no_prompts_or_multiplier_one_leaves_config_alone():
    cfg = dict(optimizer=dict(type='SGD', lr=0.1))
    assert with_prompt_lr_mult(cfg, classifier('head'), 3.0) == cfg
    assert with_prompt_lr_mult(cfg, classifier(), dict(AdamW=10.0)) == cfg  # SGD not listed: 1x
    user = dict(optimizer=dict(type='SGD', lr=0.1),
                paramwise_cfg=dict(custom_keys={'backbone.prompts.layer1.0.conv1.weight': dict(lr_mult=0.5)}))
    out = with_prompt_lr_mult(user, classifier(), 3.0)
    assert out['paramwise_cfg']['custom_keys']['backbone.prompts.layer1.0.conv1.weight'] == dict(lr_mult=0.5)


def test_runtime_base_selects_the_runner_and_the_recipe():
    cfg = Config.fromfile(str(ROOT / 'configs/_base_/protuning_runtime.py'))
    assert cfg.runner_type == 'ProTuningRunner'
    assert resolve_prompt_lr_mult(cfg.prompt_lr_mult, 'SGD') > 1 and resolve_prompt_lr_mult(cfg.prompt_lr_mult, 'AdamW') > 1
    assert PromptBlock(8).beta.item() == 1.0  # the recipe's beta_0


def test_real_runner_trains_prompts_at_the_multiplied_rate(tiny_run):
    run = tiny_run('protuning')  # built through RUNNERS with the runtime base
    runner = run['runner']
    assert type(runner).__name__ == 'ProTuningRunner'
    groups = groups_by_param(runner.optim_wrapper, runner.model)
    mult = resolve_prompt_lr_mult(runner.cfg.prompt_lr_mult, 'SGD')
    prompt = prompt_param_keys(runner.model)
    assert prompt and all(groups[n]['lr'] == pytest.approx(groups['head.fc.weight']['lr'] * mult) for n in prompt)
    log = next(run['log_dir'].glob('*.log')).read_text()
    assert f'train at {mult:g}x the base learning rate of SGD' in log


def dense_configs():
    tasks = [p for d in ('detection', 'segmentation') for p in sorted((ROOT / 'configs' / d).rglob('*.py'))]
    return [p for p in tasks if '_base_' not in p.parts] + sorted((ROOT / 'configs').glob('*.py'))


def test_every_dense_config_gets_the_dense_recipe():
    """Detection and segmentation train prompts at the heads' rate (configs/_base_/protuning_dense.py;
    docs/dense_payoff.md), classification keeps its per-optimizer table, and every dense config imports
    the plugin itself and keeps the runner and hooks."""
    dense = Config.fromfile(str(ROOT / 'configs/_base_/protuning_dense.py'))
    classification = Config.fromfile(str(ROOT / 'configs/_base_/protuning_runtime.py'))
    assert dense.prompt_lr_mult == 1.0
    assert resolve_prompt_lr_mult(classification.prompt_lr_mult, 'AdamW') > 1
    paths = dense_configs()
    assert len(paths) > 40
    # The one measured exception: the composite Mask R-CNN schedule's AdamW rate is a fifth of the
    # segmentation study's, and its prompts need 10x (docs/dense_payoff.md).
    measured = {ROOT / 'configs/detection/composite/mask-rcnn_mobilenetv2_fpn_protuning_composite-320.py': 10.0}
    for path in paths:
        cfg = Config.fromfile(str(path))
        assert cfg.prompt_lr_mult == measured.get(path, dense.prompt_lr_mult), path
        assert 'protuning_mm' in cfg.custom_imports['imports'], path
        assert cfg.runner_type == 'ProTuningRunner', path
        hooks = [h['type'] for h in cfg.custom_hooks]
        assert hooks[:len(dense.custom_hooks)] == [h['type'] for h in dense.custom_hooks], path
