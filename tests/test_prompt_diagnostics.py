"""PromptDiagnosticsHook: exact values on a hand-driven step, then real mmengine runs (scalars.json, text
log, no-op without prompts, no hooks left behind)."""
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

import protuning_mm  # noqa: F401  (registers the hooks)
from protuning_mm.engine import PromptDiagnosticsHook, prompt_units
from protuning_mm.models import PromptBlock, ProTuningBackbone
from protuning_mm.testing import scalars

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = ROOT / 'configs/_base_/protuning_runtime.py'

POSITIONS = ('layer1', 'layer2', 'layer3', 'layer4')
QUANTITIES = ('beta', 'strength', 'grad_norm')


def prompt_entries(run) -> dict:
    """step -> {key: value} of the scalars.json entries holding prompt diagnostics."""
    return {e['step']: e for e in scalars(run) if any(k.startswith('prompt/') for k in e)}


def leftover_hooks(model, optimizer) -> int:
    blocks = [m for m in model.modules() if isinstance(m, PromptBlock)]
    return sum(len(b._forward_hooks) for b in blocks) + len(optimizer._optimizer_step_pre_hooks)


@pytest.fixture(scope='module')
def protuning(tiny_run):
    return tiny_run('paradigms/protuning')


def test_runtime_base_lists_the_hook():
    hooks = Config.fromfile(str(RUNTIME)).custom_hooks
    assert dict(type='PromptDiagnosticsHook', interval=50) in hooks


def test_unit_names_follow_positions_and_stacked_blocks():
    model = ProTuningBackbone(backbone=dict(type='mmpretrain.ResNet', depth=18, init_cfg=None), positions=[0, 2],
                              blocks_per_position=[1, 2])
    units = prompt_units(model)
    assert list(units) == ['layer1', 'layer3.0', 'layer3.1']
    assert units['layer3.1'] is model.prompts['layer3'][1]
    assert prompt_units(ProTuningBackbone(backbone=dict(type='mmpretrain.ResNet', depth=18, init_cfg=None),
                                          paradigm='head')) == {}


class _Recorder:
    """Stands in for the runner's visualizer and logger."""

    def __init__(self):
        self.scalars, self.lines = [], []

    def add_scalars(self, scalars, step):
        self.scalars.append((step, scalars))

    def info(self, line):
        self.lines.append(line)


@pytest.mark.parametrize('with_cp', [False, True])
def test_values_equal_a_direct_computation(with_cp):
    """strength = ||beta f(x)|| / ||x|| and grad_norm = ||grad|| per block, on one hand-driven training step;
    with activation checkpointing the prompts run twice per step and the values must not change."""
    torch.manual_seed(0)
    model = ProTuningBackbone(backbone=dict(type='mmpretrain.ResNet', depth=18, init_cfg=None),
                              positions=[0, 1], blocks_per_position=[1, 2], with_cp=with_cp)
    units = prompt_units(model)
    for block in units.values():  # a trained-looking block: f(x) != 0
        torch.nn.init.normal_(block.conv2.weight, std=0.05)
    # Plain SGD with lr 1: each parameter moves by exactly -grad, an independent record of the gradients.
    optim_wrapper = OptimWrapper(torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1.0))
    recorder = _Recorder()
    runner = SimpleNamespace(model=model, optim_wrapper=optim_wrapper, iter=49, visualizer=recorder,
                             logger=recorder)
    expected_strength = {}

    def measure(name, block, args):  # recomputes f(x) on the block's input: what the hook must not do
        if name not in expected_strength:
            with torch.no_grad():
                x = args[0]
                expected_strength[name] = float((block.beta * block.prompt(x)).norm() / x.norm())

    calls = []  # forward hook calls per block: a checkpointed block may run again in backward
    handles = [block.register_forward_hook(lambda *_, name=name: calls.append(name)) for name, block in units.items()]
    for name, block in units.items():
        block.register_forward_pre_hook(lambda m, args, name=name: measure(name, m, args))
    hook = PromptDiagnosticsHook(interval=50)
    hook.before_train(runner)
    hook.before_train_iter(runner, 49)  # iteration 50: a logging iteration
    before = {n: [p.detach().clone() for p in b.parameters()] for n, b in units.items()}
    loss = sum(o.square().mean() for o in model(torch.randn(2, 3, 32, 32)))
    optim_wrapper.update_params(loss)
    hook.after_train_iter(runner, 49)

    for handle in handles:
        handle.remove()
    assert leftover_hooks(model, optim_wrapper.optimizer) == 0
    # Non-reentrant checkpointing stops recomputing once the saved tensors are back, so only the first
    # of a position's stacked blocks runs again in backward; and the next stage's checkpointed block
    # rebuilds the whole prompted map (mark_recomputable) once more: the cases the sums must be robust to.
    assert calls.count('layer2.0') == (3 if with_cp else 1) and calls.count('layer2.1') == (2 if with_cp else 1)
    (step, scalars), = recorder.scalars
    assert step == 50
    assert set(scalars) == {f'prompt/{n}/{q}' for n in ('layer1', 'layer2.0', 'layer2.1') for q in QUANTITIES}
    for name, block in units.items():
        grad_norm = torch.stack([(b - a.detach()).norm() for b, a in zip(before[name], block.parameters())]).norm()
        assert scalars[f'prompt/{name}/beta'] == float(block.beta.detach())  # after the step
        assert scalars[f'prompt/{name}/strength'] == pytest.approx(expected_strength[name], rel=1e-4)
        assert scalars[f'prompt/{name}/grad_norm'] == pytest.approx(float(grad_norm), rel=1e-4)
        assert expected_strength[name] > 0 and float(grad_norm) > 0
    assert recorder.lines == ['Prompt diagnostics, iter 50: '
                              + '  '.join(f'{k}: {v:.4g}' for k, v in scalars.items())]

    runner.iter = 50  # iteration 51: not a logging iteration, nothing registered or logged
    hook.before_train_iter(runner, 50)
    assert leftover_hooks(model, optim_wrapper.optimizer) == 0
    optim_wrapper.update_params(sum(o.sum() for o in model(torch.randn(2, 3, 32, 32))))
    hook.after_train_iter(runner, 50)
    assert len(recorder.scalars) == 1


def test_real_run_logs_every_position_at_iterations_1_2_4_6(protuning):
    """6 iterations, interval 2: iteration 1 (the start) and every second one, at the LoggerHook's steps."""
    entries = prompt_entries(protuning)
    assert sorted(entries) == [1, 2, 4, 6]
    for step, entry in entries.items():
        assert set(entry) == {'step'} | {f'prompt/{p}/{q}' for p in POSITIONS for q in QUANTITIES}, step
    assert {e['step'] for e in scalars(protuning) if 'loss' in e} == set(range(1, 7))


def test_real_run_values(protuning):
    entries = prompt_entries(protuning)
    model = protuning['runner'].model
    for pos in POSITIONS:
        strength = [entries[s][f'prompt/{pos}/strength'] for s in (1, 2, 4, 6)]
        assert strength[0] == 0.0  # zero-initialised last conv: f(x) == 0 on the first forward
        assert all(v > 0 for v in strength[1:]), (pos, strength)
        assert all(entries[s][f'prompt/{pos}/grad_norm'] > 0 for s in (1, 2, 4, 6))  # conv2 gets gradient at once
        # beta gets no gradient on iteration 1 (f(x) == 0), so it is still its initial value (1.0) after it.
        assert entries[1][f'prompt/{pos}/beta'] == pytest.approx(1.0)
        assert entries[6][f'prompt/{pos}/beta'] == float(model.backbone.prompts[pos][0].beta.detach())  # the last step
    assert any(entries[6][f'prompt/{p}/beta'] != pytest.approx(1.0) for p in POSITIONS)  # beta trains


def test_real_run_text_log(protuning):
    log = next(protuning['log_dir'].glob('*.log')).read_text()
    lines = [line for line in log.splitlines() if 'Prompt diagnostics, iter' in line]
    assert [line.split('Prompt diagnostics, iter ')[1].split(':')[0] for line in lines] == ['1', '2', '4', '6']
    for key in (f'prompt/{p}/{q}: ' for p in POSITIONS for q in QUANTITIES):
        assert all(key in line for line in lines), key
    assert 'prompt/layer1/strength: 0  ' in lines[0]


def test_real_run_leaves_no_hooks(protuning):
    runner = protuning['runner']
    assert leftover_hooks(runner.model, runner.optim_wrapper.optimizer) == 0


def test_no_op_without_prompts(tiny_run):
    head = tiny_run('paradigms/head', paradigm='head')
    entries = scalars(head)
    assert any('loss' in e for e in entries) and any('accuracy/top1' in e for e in entries)
    assert not any(k.startswith('prompt/') for e in entries for k in e)
    log = next(head['log_dir'].glob('*.log')).read_text()
    assert 'PromptDiagnosticsHook: the model has no prompt blocks' in log
    assert 'Prompt diagnostics, iter' not in log
