"""A classification config's ``custom_imports`` register our data sets and metrics in mmpretrain's registries.

The check runs in a fresh interpreter, as a training script would: what a test imported earlier must
not decide what is registered.
"""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from protuning_mm.testing import CIFAR_C_CORRUPTIONS, make_cifar, make_cifar_c

ROOT = Path(__file__).resolve().parents[1]



def run(script: str, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, '-c', textwrap.dedent(script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip().endswith('OK'), proc.stdout[-3000:] + proc.stderr[-6000:]
    return proc.stdout


# What mmpretrain's tools/train.py does: nothing but mmengine is imported before Config.fromfile, whose
# custom_imports bring in the plugin; the Runner then builds data sets and metrics in the config's
# default scope through mmengine's root registries.
CLASSIFICATION = r'''
import sys

from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

assert 'protuning_mm' not in sys.modules and 'mmpretrain' not in sys.modules
cifar10, cifar10_c, corruptions = sys.argv[1:]
cfg = Config.fromfile('configs/classification/resnet50/resnet50_protuning_cifar10-c.py')
assert 'protuning_mm' in sys.modules  # through the config's custom_imports
for split in ('train', 'val'):
    cfg[f'{split}_dataloader'].dataset.update(data_root=cifar10, check_md5=False)
    cfg[f'{split}_dataloader'].num_workers = 0
cfg.test_dataloader.dataset.update(data_root=cifar10_c, corruptions=corruptions.split(','))
cfg.test_dataloader.num_workers = 0

init_default_scope(cfg.default_scope)  # as Runner.__init__ does
from protuning_mm.datasets.cifar_c import CIFAR10C
from protuning_mm.datasets.cifar_lt import CIFAR10LT
from protuning_mm.evaluation.corruption_accuracy import CorruptionAccuracy

train = Runner.build_dataloader(cfg.train_dataloader)
test = Runner.build_dataloader(cfg.test_dataloader)
assert type(train.dataset) is CIFAR10LT and len(train.dataset) > 0, train.dataset
assert type(test.dataset) is CIFAR10C and len(test.dataset) > 0, test.dataset
evaluator = Evaluator(cfg.test_evaluator)
assert [type(m) for m in evaluator.metrics] == [CorruptionAccuracy], evaluator.metrics
print('OK')
'''


def test_classification_config_builds_our_dataset_and_metric(tmp_path):
    cifar10 = make_cifar(tmp_path / 'cifar10', num_classes=10)
    cifar10_c = make_cifar_c(tmp_path, num_classes=10, per_severity=2)
    run(CLASSIFICATION, str(cifar10), str(cifar10_c), ','.join(CIFAR_C_CORRUPTIONS))
