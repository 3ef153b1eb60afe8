"""ProTuningRunner's own config keys on a real run: channels_last (the memory format the CPU benchmark uses)."""
from pathlib import Path

import torch
from mmengine.registry import RUNNERS

import protuning_mm  # noqa: F401  (registers the wrapper, the hooks and the runner)
from protuning_mm.testing import tiny_config, write_png_folders

RUNTIME = Path(__file__).resolve().parents[1] / 'configs/_base_/protuning_runtime.py'


def train(tmp_path, name, **options):
    cfg = tiny_config(tmp_path / name, tmp_path / 'data', RUNTIME, max_epochs=1)
    cfg.merge_from_dict(options)
    runner = RUNNERS.build(cfg)
    before = {n: p.detach().clone() for n, p in runner.model.named_parameters() if p.requires_grad}
    runner.train()
    return runner, before


def test_channels_last_trains_the_same_model_in_channels_last(tmp_path):
    write_png_folders(tmp_path / 'data')
    cl, cl_before = train(tmp_path, 'cl', channels_last=True)
    nchw, nchw_before = train(tmp_path, 'nchw')
    model = cl.model
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(c.weight.is_contiguous(memory_format=torch.channels_last) for c in convs)
    x = torch.rand(2, 3, 96, 96)  # stage 4 at 3x3: the two formats differ
    with torch.no_grad():
        feats = model.backbone(x)[0]
    assert feats.is_contiguous(memory_format=torch.channels_last) and not feats.is_contiguous()
    # Same seed, same data, same model: the memory format changes the arithmetic order only.
    assert cl_before.keys() == nchw_before.keys()
    for name, before in cl_before.items():
        torch.testing.assert_close(before, nchw_before[name])
        after = dict(model.named_parameters())[name]
        if name.endswith('conv2.weight') or name.startswith('head.'):  # (SE gates move later, from zero prompts)
            assert not torch.equal(after, before), f'{name} did not train'
        torch.testing.assert_close(after, dict(nchw.model.named_parameters())[name], rtol=1e-3, atol=1e-4)
