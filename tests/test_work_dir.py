"""tools/train.py and tools/test.py: a run whose ``--cfg-options`` change the paradigm gets its own
default work directory (protuning_mm.utils.cli.resolve_work_dir), so that it neither mixes its
checkpoints with the config's own run nor auto-resumes from them."""
import importlib
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from protuning_mm.utils.cli import config_paradigm, resolve_work_dir

ROOT = Path(__file__).resolve().parents[1]

DEMO = str(ROOT / 'configs/classification/demo/mobilenetv2_protuning_mnist.py')


def _cfg(**kwargs) -> Config:
    return Config(dict(model=dict(backbone=dict(type='ProTuningBackbone', paradigm='protuning')), **kwargs))


def test_default_work_dir_names_a_changed_paradigm():
    cfg = _cfg()
    path = 'configs/x/r50_protuning_cifar100.py'
    assert resolve_work_dir(cfg, path, None, 'protuning') == './work_dirs/r50_protuning_cifar100'
    cfg.merge_from_dict({'model.backbone.paradigm': 'head'})
    assert resolve_work_dir(cfg, path, None, 'protuning') == './work_dirs/r50_protuning_cifar100_paradigm-head'


def test_explicit_work_dirs_win():
    cfg = _cfg(work_dir='from_config')
    cfg.merge_from_dict({'model.backbone.paradigm': 'full'})
    assert resolve_work_dir(cfg, 'a.py', None, 'protuning') == 'from_config'
    assert resolve_work_dir(cfg, 'a.py', 'from_cli', 'protuning') == 'from_cli'


def test_configs_without_a_paradigm():
    cfg = Config(dict(model=dict(backbone=dict(type='ResNet'))))
    assert config_paradigm(cfg) is None
    assert config_paradigm(Config(dict())) is None
    assert resolve_work_dir(cfg, 'plain.py', None, None) == './work_dirs/plain'


class _Stop(Exception):
    pass


@pytest.mark.parametrize('tool', ['train', 'test'])
@pytest.mark.parametrize('options, expected', [
    ([], 'mobilenetv2_protuning_mnist'),
    (['--cfg-options', 'model.backbone.paradigm=head'], 'mobilenetv2_protuning_mnist_paradigm-head'),
    (['--cfg-options', 'model.backbone.paradigm=protuning'], 'mobilenetv2_protuning_mnist'),
])
def test_tools_use_it(tool, options, expected, tmp_path, monkeypatch):
    module = importlib.import_module(f'tools.{tool}')
    seen = []

    def stop(cfg, splits):  # the first check after the work dir is set: stop before any data is read
        seen.append(cfg.work_dir)
        raise _Stop

    monkeypatch.setattr(module, 'check_data_paths', stop)
    monkeypatch.chdir(tmp_path)
    ckpt = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': {}}, ckpt)  # tools/test.py checks the checkpoint first
    args = [DEMO, str(ckpt)] if tool == 'test' else [DEMO]
    monkeypatch.setattr(sys, 'argv', [f'{tool}.py', *args, *options])
    with pytest.raises(_Stop):
        module.main()
    assert seen == [f'./work_dirs/{expected}']
