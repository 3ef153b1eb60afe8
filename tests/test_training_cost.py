"""benchmarks/training_cost.py's building blocks (never its timings): every model it measures builds
from the repository's configs, plain and Pro-tuned, its inference ratios use the right base, and its
``--malloc heap`` setting does what its account of page faults says."""
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from benchmarks import training_cost
from protuning_mm.models import PromptBlock

ROOT = Path(__file__).resolve().parents[1]



@pytest.fixture(autouse=True)
def restore_default_scope():
    """The benchmark's build() sets mmengine's default scope (mmseg for the segmentors); tests that run after
    these must not inherit it (test_multitask's pipelines then failed to find mmpretrain's transforms)."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # restores the previous scopes on exit
        yield


@pytest.mark.parametrize('name', [n for n, m in training_cost.MODELS.items() if m[1] != 'mmdet'])
def test_every_measured_model_builds_plain_and_pro_tuned(name):
    """(A model entry whose config no longer builds, e.g. a classification base without num_classes,
    only showed when the benchmark ran.) HTC is built by the detection config tests."""
    training_cost.import_codebases(name)
    plain = training_cost.build(name, plain=True)
    wrapped = training_cost.build(name, 'protuning')
    assert type(wrapped.backbone).__name__ == 'ProTuningBackbone'
    assert type(plain.backbone).__name__ != 'ProTuningBackbone'
    # The same model around the backbone: every parameter of the plain one, plus prompt blocks.
    blocks = [m for m in wrapped.modules() if isinstance(m, PromptBlock)]
    assert blocks
    extra = sum(p.numel() for b in blocks for p in b.parameters())
    assert sum(p.numel() for p in wrapped.parameters()) == sum(p.numel() for p in plain.parameters()) + extra
    # What inference is timed with: trained-like prompts, the same ones in every variant (every call).
    assert all(float(b.conv2.weight.abs().sum()) == 0 for b in blocks)
    training_cost.as_trained(wrapped)
    first = [b.conv2.weight.clone() for b in blocks]
    assert all(float(w.abs().sum()) > 0 for w in first)
    training_cost.as_trained(wrapped)
    assert all(torch.equal(w, b.conv2.weight) for w, b in zip(first, blocks))


def test_whole_compiled_model_is_compared_with_the_compiled_plain_one():
    runs = [dict(latency={'plain': 30.0, 'protuning': 33.0, 'plain compiled': 20.0, 'whole compiled': 23.0}),
            dict(latency={'plain': 32.0, 'protuning': 36.8, 'plain compiled': 21.0, 'whole compiled': 23.1})]
    ratios = training_cost.combine_infer_runs(runs)['ratios']
    assert ratios['protuning'] == pytest.approx([1.1, 1.15])
    assert ratios['whole compiled'] == pytest.approx([1.1, 1.15])
    assert ratios['plain compiled'] == pytest.approx(sorted([20 / 30, 21 / 32]))  # what compiling gains
    assert training_cost.run_ratios(dict(latency=runs[0]['latency']))['whole compiled'] == pytest.approx([1.15])


def test_ahead_of_time_compiled_models_compute_what_the_eager_ones_do():
    """--aot: the Pro-tuned model (prompt hooks, frozen norms, the inference path's checks) exports and
    compiles ahead of time into code that computes its eager outputs, and is timed against the plain
    model compiled alike."""
    from mmengine.registry import MODELS
    training_cost.import_codebases('resnet50')
    cfg = training_cost.model_cfg('resnet50')
    cfg.backbone.backbone.depth = 18
    cfg.neck, cfg.head.in_channels, cfg.head.num_classes = dict(type='GlobalAveragePooling'), 512, 10
    model = MODELS.build(cfg).eval()
    training_cost.as_trained(model)
    x = torch.rand(2, 3, 64, 64)
    compiled = training_cost.aot_compiled(model, x)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), model(x), rtol=1e-4, atol=1e-4)
    # frozen (weights folded in as constants, what makes it fast), which inductor does only without autograd
    assert any(name.startswith('_frozen_param') for name in compiled.get_constant_fqns())
    latency = {'plain': 0.03, 'protuning': 0.034, 'plain aot': 0.02, 'aot': 0.0224}
    infer = {'1': dict(flops=dict(plain=1.0, protuning=1.1), latency=latency)}
    report = training_cost.table({'resnet50': dict(infer=infer)})
    assert report.splitlines()[-1] == '| resnet50 (224²) | 1 | 1.100 | 20 ms | 22 ms | 1.120 | yes |'


FORWARD_PASSES = '''
import resource, torch
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
net = torch.nn.Sequential(torch.nn.Conv2d(64, 256, 1), torch.nn.ReLU(), torch.nn.Conv2d(256, 64, 1),
                          torch.nn.Conv2d(64, 256, 1), torch.nn.ReLU())
x = torch.rand(12, 64, 56, 56)  # its 256-channel maps: 38.5 MB, above glibc's largest mmap threshold
with torch.no_grad():
    for _ in range(6):
        before = faults()
        net(x)
        after = faults()
print(after - before)  # the last pass
'''


@pytest.mark.skipif(platform.libc_ver()[0] != 'glibc', reason="the settings are glibc malloc's")
def test_heap_malloc_mode_stops_large_maps_faulting_in_fresh_pages_every_pass():
    """--malloc heap, the benchmark's account of the batch-32 overhead: with glibc's defaults a forward's maps
    above 32 MiB get new pages on every pass; with the heap mode, after the first passes, none."""
    def last_pass_faults(mode):
        env = {k: v for k, v in os.environ.items() if not k.startswith('MALLOC_')}
        out = subprocess.run([sys.executable, '-c', FORWARD_PASSES], env={**env, **training_cost.MALLOC_MODES[mode]},
                             capture_output=True, text=True, check=True)
        return int(out.stdout.split()[-1])

    map_pages = 12 * 256 * 56 * 56 * 4 // resource.getpagesize()
    assert last_pass_faults('default') >= map_pages
    assert last_pass_faults('heap') < map_pages // 100
