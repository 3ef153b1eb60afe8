"""protuning_mm/utils/ops_check.py: tools/train.py and tools/test.py stop before building the
runner when the model needs mmcv ops that cannot run on its GPU.

There is no GPU here, so a GPU is faked the way a CPU-only mmcv fails on one: the device is
'cuda:0' and mmcv's nms raises the error its device registry raises
(``mmcv/ops/csrc/common/pytorch_device_registry.hpp``: "<op>: implementation for device <device>
not found."). The same registry error is also produced for real, on the 'meta' device.
"""
import importlib
import os
import subprocess
import sys
from pathlib import Path

import mmcv.ops
import pytest
import torch
from mmengine.config import Config

from protuning_mm.utils import ops_check
from protuning_mm.utils.ops_check import MmcvOpsError, check_mmcv_ops, config_mmcv_ops, ops_problem

ROOT = Path(__file__).resolve().parents[1]

HTC = str(ROOT / 'configs' / 'htc_r50_protuning_coco.py')
UPERNET = str(ROOT / 'configs' / 'upernet_r50_protuning_ade20k.py')
RESNET = str(ROOT / 'configs' / 'classification' / 'resnet50' / 'resnet50_protuning_cifar100.py')
CPU_ONLY_ERROR = 'nms_impl: implementation for device cuda:0 not found.\n'


@pytest.fixture
def fake_h200(monkeypatch, tmp_path):
    """This process trains on 'cuda:0', an H200, whose mmcv was built with CPU ops only."""
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 1)
    monkeypatch.setattr(torch.cuda, 'get_device_name', lambda device=None: 'NVIDIA H200')
    monkeypatch.setattr(torch.cuda, 'get_device_capability', lambda device=None: (9, 0))
    monkeypatch.setattr(torch.cuda, 'synchronize', lambda device=None: None)
    monkeypatch.setattr(torch.version, 'cuda', '13.0')
    monkeypatch.setattr(ops_check, '_to_device', lambda tensor, device: tensor)  # no real GPU to copy to
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.setenv('PROTUNING_WHEEL_DIR', str(tmp_path / 'wheels'))

    def cpu_only_nms(*args, **kwargs):
        raise RuntimeError(CPU_ONLY_ERROR)
    cpu_only_nms.__module__ = 'mmcv.ops.nms'  # stands in for mmcv's nms (config_mmcv_ops checks the module)
    monkeypatch.setattr(mmcv.ops, 'nms', cpu_only_nms)
    return tmp_path / 'wheels'


def test_the_ops_a_config_uses():
    assert config_mmcv_ops(Config.fromfile(HTC)) == ['RoIAlign', 'nms']
    assert config_mmcv_ops(Config.fromfile(UPERNET)) == []  # SyncBN is torch's, not mmcv's
    assert config_mmcv_ops(Config.fromfile(RESNET)) == []
    # Scoped names and registry aliases count; mmcv's plain-layer wrappers (Conv2d) do not.
    model = dict(backbone=dict(type='ResNet', conv_cfg=dict(type='Conv2d'), dcn=dict(type='mmdet.DCNv2')),
                 norm_cfg=dict(type='MMSyncBN'), heads=[dict(type='Linear')])
    assert config_mmcv_ops(dict(model=model)) == ['DCNv2', 'MMSyncBN']


def test_real_ops_run_on_cpu_and_the_check_is_a_no_op_there(monkeypatch):
    assert ops_problem('cpu') is None
    calls = []
    monkeypatch.setattr(ops_check, 'ops_problem', lambda device: calls.append(device))
    assert check_mmcv_ops(Config.fromfile(HTC)) == ['RoIAlign', 'nms']  # this machine trains on CPU
    assert calls == []


def test_registry_error_for_a_device_without_kernels_is_reported():
    """mmcv's own dispatch error, for real: its extension has no kernels for the meta device."""
    assert ops_problem('meta') == 'RuntimeError: nms_impl: implementation for device meta not found.'


def test_cpu_only_mmcv_on_a_gpu_stops_the_run_with_the_reinstall_command(fake_h200):
    with pytest.raises(MmcvOpsError) as err:
        check_mmcv_ops(Config.fromfile(HTC))  # the device comes from this process: cuda:0
    message = str(err.value)
    assert "mmcv's compiled ops cannot run on cuda:0 (NVIDIA H200, sm_90), and this model uses RoIAlign, nms" in message
    assert 'compiled without CUDA ops (a CPU-only build)' in message
    assert f'mmcv said: RuntimeError: {CPU_ONLY_ERROR.strip()}' in message
    assert 'python3 -m pip uninstall -y mmcv\n    PROTUNING_MMCV_FLAVOUR=auto bash tools/install.sh' in message
    release = torch.__version__.split('+')[0]
    assert f'into {fake_h200}/torch-{release}-cu130-sm90/' in message
    assert 'needs nvcc from the CUDA 13.0 toolkit' in message


def test_models_without_mmcv_ops_are_not_stopped(fake_h200):
    assert check_mmcv_ops(Config.fromfile(UPERNET)) == []


def test_wrong_architecture_is_told_apart(fake_h200, monkeypatch):
    def no_kernel(*args, **kwargs):
        raise RuntimeError('CUDA error: no kernel image is available for execution on the device')
    no_kernel.__module__ = 'mmcv.ops.nms'
    monkeypatch.setattr(mmcv.ops, 'nms', no_kernel)
    with pytest.raises(MmcvOpsError, match=r"no code for this GPU's architecture .*TORCH_CUDA_ARCH_LIST"):
        check_mmcv_ops(Config.fromfile(HTC), device='cuda:0')


def _coco_layout(root: Path) -> Path:
    """The paths HTC's config checks (empty files: the run must stop before reading them)."""
    for sub in ('train2017', 'val2017', 'stuffthingmaps/train2017'):
        (root / sub).mkdir(parents=True)
    (root / 'annotations').mkdir()
    for split in ('train', 'val'):
        (root / 'annotations' / f'instances_{split}2017.json').write_text('{}')
    return root


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_tools_stop_before_building_the_runner(tool, fake_h200, tmp_path, monkeypatch):
    data = _coco_layout(tmp_path / 'coco')
    built = []
    module = importlib.import_module(f'tools.{tool}')
    monkeypatch.setattr(module.Runner, 'from_cfg', classmethod(lambda cls, cfg: built.append(cfg)))
    ann = data / 'annotations' / 'instances_val2017.json'
    options = [f'{split}_dataloader.dataset.data_root={data}' for split in ('train', 'val', 'test')]
    options += [f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}']
    ckpt = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': {}}, ckpt)  # a loadable file: tools/test.py checks the checkpoint first
    args = [HTC, str(ckpt)] if tool == 'test' else [HTC]
    monkeypatch.setattr(sys, 'argv', [f'{tool}.py', *args, '--work-dir', str(tmp_path / 'w'), '--cfg-options', *options])
    with pytest.raises(MmcvOpsError, match='implementation for device cuda:0 not found'):
        module.main()
    assert built == []


# -- an mmcv built without ops (PROTUNING_MMCV_FLAVOUR=lite) -------------------------------------
def test_the_stub_answers_mmcvs_checks_and_refuses_every_op():
    from tools import mmcv_ext_stub as stub  # what install.sh puts into a lite build as mmcv/_ext.py
    assert hasattr(stub, 'nms') and hasattr(stub, 'roi_align_forward')  # what ext_loader.load_ext asserts
    with pytest.raises(RuntimeError, match=r'mmcv\._ext\.nms: this mmcv was built without its compiled ops '
                                           r'.*PROTUNING_MMCV_FLAVOUR=auto bash tools/install.sh'):
        stub.nms(None, None, 0.5)
    assert isinstance(stub.get_compiler_version(), str) and stub.WITHOUT_OPS is True
    with pytest.raises(AttributeError):
        stub.__path__  # not a package, and the import system asks


LITE = f'''
import sys
from tools import install_flavour, mmcv_ext_stub
sys.modules['mmcv._ext'] = mmcv_ext_stub  # what import finds in a lite build: mmcv/_ext.py instead of the compiled one
import mmcv.ops, mmseg.models, mmdet.models  # mmseg imports mmcv.ops whatever the model
from mmengine.config import Config
from protuning_mm.utils import ops_check
assert ops_check.built_without_ops()
assert ops_check.check_mmcv_ops(Config.fromfile({UPERNET!r}), device='cpu') == []
assert ops_check.check_mmcv_ops(Config.fromfile({RESNET!r}), device='cpu') == []
try:
    ops_check.check_mmcv_ops(Config.fromfile({HTC!r}), device='cpu')
except ops_check.MmcvOpsError as err:
    print('HTC:', str(err).splitlines()[0])
assert install_flavour.check_installed(mmcv.__version__, 'lite') is None
print('cpu:', install_flavour.check_installed(mmcv.__version__, 'cpu'))
'''


def test_a_build_without_ops_imports_the_stack_and_stops_only_models_that_call_ops():
    """A lite mmcv (here: the installed one with the stub in place of its compiled extension):
    mmseg and mmdet import, UperNet and ResNet pass the check, HTC is stopped before it starts
    (even on CPU), and install.sh keeps it for lite but replaces it for a build with ops."""
    proc = subprocess.run([sys.executable, '-c', LITE], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert ("HTC: mmcv's compiled ops cannot run on cpu, and this model uses RoIAlign, nms: this mmcv was built "
            'without compiled ops (PROTUNING_MMCV_FLAVOUR=lite).') in proc.stdout
    assert 'cpu: its ops do not run on cpu: RuntimeError: mmcv._ext.nms: this mmcv was built without' in proc.stdout
