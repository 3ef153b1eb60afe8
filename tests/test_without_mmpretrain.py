"""An mmdet-only (or mmseg-only) install: ``import protuning_mm`` and a detection backbone work without mmpretrain."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# Runs in a fresh interpreter where importing mmpretrain fails as it does when it is not installed.
SCRIPT = r'''
import sys

class NoMMPretrain:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] == 'mmpretrain':
            raise ModuleNotFoundError(f'No module named {name!r}', name=name)
        return None

sys.meta_path.insert(0, NoMMPretrain())

import torch
import mmdet.models  # noqa: F401  (registers mmdet.ResNet)
import protuning_mm
from protuning_mm import ProTuningBackbone

model = ProTuningBackbone(backbone=dict(type='mmdet.ResNet', depth=18, init_cfg=None))
outs = model(torch.rand(1, 3, 64, 64))
assert [tuple(o.shape) for o in outs] == [(1, 64, 16, 16), (1, 128, 8, 8), (1, 256, 4, 4), (1, 512, 2, 2)]
assert not [m for m in sys.modules if m.split('.')[0] == 'mmpretrain'], 'mmpretrain was imported'
try:
    protuning_mm.datasets.CIFAR10LT
except ImportError as e:
    assert 'needs mmpretrain' in str(e) and 'pip install' in str(e), e
else:
    raise AssertionError('CIFAR10LT without mmpretrain should name the fix')
try:
    import protuning_mm.classification  # what classification configs import
except ImportError as e:
    assert 'needs mmpretrain' in str(e) and 'pip install' in str(e), e
else:
    raise AssertionError('protuning_mm.classification without mmpretrain should name the fix')
print('OK')
'''


def test_import_and_forward_without_mmpretrain():
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, '-c', SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip().endswith('OK'), proc.stdout[-3000:] + proc.stderr[-6000:]
