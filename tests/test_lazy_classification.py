"""``import protuning_mm`` does not import mmpretrain; classification configs still find our data sets and metrics.

Each check runs in a fresh interpreter, as a training script would: what a test imported earlier must
not decide what is in ``sys.modules``.
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


# mmdet's and mmseg's own ``models`` packages import mmpretrain where it is installed (mmdet's ReID,
# mmseg's mmpretrain backbones), so building a model does; loading the config, which imports the
# plugin through custom_imports, must not.
DET_SEG = r'''
import sys

import protuning_mm

assert 'mmpretrain' not in sys.modules, 'import protuning_mm imported mmpretrain'
assert 'protuning_mm.classification' not in sys.modules
assert protuning_mm.ProTuningBackbone and protuning_mm.datasets.CheckSegLabels  # the task-independent part

from mmengine.config import Config
from mmengine.registry import DefaultScope

det = Config.fromfile('configs/detection/cascade-mask-rcnn/cascade-mask-rcnn_r50_fpn_protuning_1x_coco.py')
seg = Config.fromfile('configs/segmentation/fcn/fcn_r50-d8_protuning_80k_ade20k-512x512.py')
assert det.custom_imports.imports == ['protuning_mm'] and seg.custom_imports.imports == ['protuning_mm']
assert 'mmpretrain' not in sys.modules, 'loading an mmdet/mmseg config imported mmpretrain'
from protuning_mm.utils.cli import import_classification  # what tools/train.py and tools/test.py call

import_classification(det)
import_classification(seg)
assert 'mmpretrain' not in sys.modules, 'tools/train.py would import mmpretrain for an mmdet/mmseg config'

for cfg, scope in ((det, 'mmdet'), (seg, 'mmseg')):
    cfg.model.pop('pretrained', None)
    cfg.model.backbone.backbone.init_cfg = None  # no download
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    with DefaultScope.overwrite_default_scope(scope):
        model = registry.build(cfg.model)
    assert isinstance(model.backbone, protuning_mm.ProTuningBackbone), type(model.backbone)
    assert model.backbone.paradigm.name == 'protuning' and len(model.backbone.prompts) == 4
print('OK')
'''


def test_import_and_mmdet_mmseg_configs_without_mmpretrain():
    run(DET_SEG)


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
assert 'protuning_mm.classification' in sys.modules  # through the config's custom_imports
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


def test_import_after_mmpretrain_registers_ours():
    # A script that imported mmpretrain first (a config listing only 'protuning_mm', say) gets ours too.
    run(r'''
    import mmpretrain.registry
    import protuning_mm

    assert mmpretrain.registry.DATASETS.get('CIFAR100LT') is protuning_mm.datasets.CIFAR100LT
    assert mmpretrain.registry.METRICS.get('SubsetAccuracy') is protuning_mm.evaluation.SubsetAccuracy
    print('OK')
    ''')


def test_tools_register_ours_for_an_mmpretrain_config():
    # tools/train.py and tools/test.py import protuning_mm first; for a config with
    # default_scope='mmpretrain' whose custom_imports list only 'protuning_mm' they import the rest.
    run(r'''
    import sys

    import protuning_mm
    from mmengine.config import Config
    from protuning_mm.utils.cli import import_classification

    assert 'mmpretrain' not in sys.modules
    import_classification(Config(dict(default_scope='mmpretrain', custom_imports=dict(imports=['protuning_mm']))))
    import mmpretrain.registry

    assert mmpretrain.registry.DATASETS.get('CIFAR10C') is protuning_mm.datasets.CIFAR10C
    assert mmpretrain.registry.METRICS.get('CorruptionAccuracy') is protuning_mm.evaluation.CorruptionAccuracy
    print('OK')
    ''')
