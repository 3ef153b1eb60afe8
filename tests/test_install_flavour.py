"""tools/install_flavour.py: which mmcv build tools/install.sh makes on which host (no compiling).

The decision is a pure function of the host's facts (torch, visible GPUs, CUDA compiler) and the
user's overrides; the script's shell output is what install.sh evaluates, so it is run once as
install.sh runs it, with faked facts.
"""
import json
import os.path as osp
import subprocess
import sys
from pathlib import Path

import pytest

from tools import install_flavour as flavour

ROOT = Path(__file__).resolve().parents[1]


Host, decide, FlavourError = flavour.Host, flavour.decide, flavour.FlavourError

H200 = (9, 0)
A100 = (8, 0)
# torch 2.11 + CUDA 13.0 with one H200 and a matching toolkit: the device machine.
GPU_HOST = Host('2.11.0+cu130', '13.0', (H200, ), ('NVIDIA H200', ), '/usr/local/cuda', '13.0')
# torch 2.14.1's PyPI build (CUDA 13.0 inside) on a machine without a GPU: this CI machine.
CPU_HOST = Host('2.14.1+cu130', '13.0', (), (), '/usr/local/cuda', '13.0')


def gpu_host(**changes) -> Host:
    return Host(**{**GPU_HOST.__dict__, **changes})


def test_no_gpu_builds_cpu_ops_in_the_cpu_folder():
    d = decide(CPU_HOST)
    assert (d.flavour, d.wheel_subdir, d.cxx_std) == ('cpu', 'torch-2.14.1-cpu', 'c++20')
    # mmcv's setup.py builds CUDA ops whenever torch sees a GPU: a CPU build hides them.
    assert d.env == {'CUDA_VISIBLE_DEVICES': '', 'FORCE_CUDA': '0', 'MMCV_WITH_OPS': '1'}
    assert decide(Host('2.9.0', None)).cxx_std == 'c++17'  # torch < 2.10: mmcv's own C++17 is enough


def test_gpu_with_matching_nvcc_builds_cuda_ops_for_that_gpu():
    d = decide(GPU_HOST)
    assert (d.flavour, d.wheel_subdir) == ('cu130-sm90', 'torch-2.11.0-cu130-sm90')
    assert d.env == {'FORCE_CUDA': '1', 'TORCH_CUDA_ARCH_LIST': '9.0', 'CUDA_HOME': '/usr/local/cuda',
                     'MMCV_WITH_OPS': '1'}
    assert 'NVIDIA H200, sm_90' in d.notes[-1]


def test_several_gpus_of_different_capabilities_get_one_arch_each():
    d = decide(gpu_host(gpus=(H200, A100, H200), gpu_names=('H200', 'A100', 'H200')))
    assert d.flavour == 'cu130-sm80_90'
    assert d.env['TORCH_CUDA_ARCH_LIST'] == '8.0;9.0'


@pytest.mark.parametrize('cuda_home, where', [
    (None, 'no nvcc found'),
    ('/opt/cuda', 'CUDA_HOME=/opt/cuda has no bin/nvcc'),
])
def test_gpu_without_nvcc_stops_before_compiling_and_names_the_fix(cuda_home, where):
    with pytest.raises(FlavourError) as err:
        decide(gpu_host(cuda_home=cuda_home, nvcc_version=None))
    message = str(err.value)
    assert where in message
    assert 'install the CUDA toolkit 13.0' in message and 'CUDA_HOME' in message
    assert 'PROTUNING_MMCV_FLAVOUR=cpu bash tools/install.sh' in message


def test_nvcc_of_another_major_version_is_refused():
    with pytest.raises(FlavourError, match=r'nvcc 12\.8 .* does not match torch\'s CUDA 13\.0: the major versions'):
        decide(gpu_host(nvcc_version='12.8'))


@pytest.mark.parametrize('nvcc', ['13.1', '13.2'])
def test_nvcc_of_another_minor_version_is_accepted_with_a_note(nvcc):
    d = decide(gpu_host(nvcc_version=nvcc))
    assert d.flavour == 'cu130-sm90'  # keyed by torch's CUDA, whose runtime the wheel uses
    assert any(f'nvcc {nvcc} vs torch\'s CUDA 13.0: same major version, accepted' in n for n in d.notes)


def test_toolkit_without_the_headers_torch_includes_is_refused():
    with pytest.raises(FlavourError, match=r'lacks include/cusparse\.h.*install the CUDA toolkit 13\.0'):
        decide(gpu_host(cuda_missing=('include/cusparse.h', )))


def test_headers_from_torchs_pip_cuda_libraries_go_on_cpath(monkeypatch):
    monkeypatch.delenv('CPATH', raising=False)
    d = decide(gpu_host(cuda_extra_includes=('/sp/nvidia/cu13/include', )))
    assert d.env['CPATH'] == '/sp/nvidia/cu13/include'


def test_user_override_cpu_on_a_gpu_host_builds_cpu_ops_and_says_what_that_costs():
    d = decide(GPU_HOST, flavour='cpu', arch_list='9.0')
    assert d.flavour == 'cpu' and d.env['CUDA_VISIBLE_DEVICES'] == ''
    assert any('torch sees 1 GPU(s)' in n and 'will not run on the GPU' in n for n in d.notes)
    assert any('TORCH_CUDA_ARCH_LIST=9.0 is ignored' in n for n in d.notes)


def test_user_override_cuda():
    with pytest.raises(FlavourError, match='set TORCH_CUDA_ARCH_LIST'):
        decide(CPU_HOST, flavour='cuda')  # no GPU: the architectures are unknown
    d = decide(CPU_HOST, flavour='CUDA', arch_list='9.0')  # cross-build for an H200 on this machine
    assert d.flavour == 'cu130-sm90' and d.env['FORCE_CUDA'] == '1'
    with pytest.raises(FlavourError, match='CPU-only build: install a CUDA build of torch'):
        decide(Host('2.14.1+cpu', None), flavour='cuda', arch_list='9.0')
    with pytest.raises(FlavourError, match='use one of auto, cpu, cuda, lite'):
        decide(GPU_HOST, flavour='gpu')


@pytest.mark.parametrize('host', [CPU_HOST, GPU_HOST, Host('2.11.0+cpu', None)])
def test_lite_builds_no_ops_on_any_host(host):
    """The GPU check's first install: mmcv's MMCV_WITH_OPS=0 build, kept apart from builds with ops."""
    d = decide(host, flavour='lite', arch_list='9.0')
    release = host.torch_version.split('+')[0]
    assert (d.flavour, d.wheel_subdir, d.env) == ('lite', f'torch-{release}-lite', {'MMCV_WITH_OPS': '0'})
    assert 'HTC' in d.notes[0] and 'TORCH_CUDA_ARCH_LIST=9.0 is ignored' in d.notes[1]


@pytest.mark.parametrize('arch_list, flavour_name, archs', [
    ('8.0;9.0', 'cu130-sm80_90', '8.0;9.0'),
    ('8.0 9.0+PTX', 'cu130-sm80_90ptx', '8.0;9.0+PTX'),
    ('9.0a', 'cu130-sm90a', '9.0a'),  # architecture-specific code runs on exactly sm_90
    ('8.0+PTX', 'cu130-sm80ptx', '8.0+PTX'),  # PTX is compiled by the driver for newer GPUs
    ('native', 'cu130-sm90', '9.0'),  # torch's "native" = the visible GPUs
])
def test_explicit_arch_list_is_used_and_named_in_the_flavour(arch_list, flavour_name, archs):
    d = decide(GPU_HOST, arch_list=arch_list)
    assert d.flavour == flavour_name and d.env['TORCH_CUDA_ARCH_LIST'] == archs


@pytest.mark.parametrize('arch_list, gpus', [
    ('8.0', (H200, )),  # sm_80 machine code does not run on sm_90
    ('8.6', (A100, )),  # nor sm_86 code on sm_80 (minor must not exceed the GPU's)
    ('9.0a', ((9, 1), )),  # arch-specific code runs on exactly its capability
    ('8.0;8.6', (A100, H200)),  # one GPU of two left out
])
def test_arch_list_that_misses_a_visible_gpu_is_refused(arch_list, gpus):
    with pytest.raises(FlavourError, match=r'builds no code that runs on GPU') as err:
        decide(gpu_host(gpus=gpus, gpu_names=()), arch_list=arch_list)
    assert 'TORCH_CUDA_ARCH_LIST="' in str(err.value)


def test_arch_list_covering_a_newer_minor_is_accepted():
    assert decide(gpu_host(gpus=((8, 6), )), arch_list='8.0').flavour == 'cu130-sm80'


@pytest.mark.parametrize('arch_list', ['Hopper', '9', 'sm_90', ';'])
def test_unreadable_arch_list_names_the_format(arch_list):
    with pytest.raises(FlavourError, match='TORCH_CUDA_ARCH_LIST'):
        decide(GPU_HOST, arch_list=arch_list)


def test_cuda_home_search_follows_torch_then_checks_the_headers():
    files = {'/usr/local/bin/nvcc', '/usr/local/cuda/bin/nvcc', '/usr/local/cuda/include/cuda_runtime.h'}
    find = flavour.find_cuda_home
    assert find({'CUDA_HOME': '/opt/c'}, lambda _: None, files.__contains__) == '/opt/c'
    assert find({'CUDA_PATH': '/opt/p'}, lambda _: None, files.__contains__) == '/opt/p'
    # A /usr/local/bin/nvcc wrapper script: torch would take /usr/local, which has no CUDA headers.
    assert find({}, lambda _: '/usr/local/bin/nvcc', files.__contains__, realpath=lambda p: p) == '/usr/local/cuda'
    # A symbolic link to the toolkit's nvcc: the toolkit it points into.
    linked = {'/opt/cuda-13.0/bin/nvcc', '/opt/cuda-13.0/include/cuda_runtime.h'}
    assert find({}, lambda _: '/usr/bin/nvcc', linked.__contains__,
                realpath=lambda p: '/opt/cuda-13.0/bin/nvcc') == '/opt/cuda-13.0'
    assert find({}, lambda _: None, set().__contains__) is None


def test_toolkit_gaps_filled_from_pip_cuda_libraries(tmp_path):
    home, nvidia = tmp_path / 'cuda', tmp_path / 'nvidia'
    for rel in ('bin/nvcc', 'include/cuda_runtime.h', 'lib64/libcudart.so'):
        (home / rel).parent.mkdir(parents=True, exist_ok=True)
        (home / rel).touch()
    (nvidia / 'cu13' / 'include').mkdir(parents=True)
    for header in ('cusparse.h', 'cublas_v2.h', 'cublasLt.h'):
        (nvidia / 'cu13' / 'include' / header).touch()
    extra, missing = flavour.toolkit_gaps(str(home), str(nvidia))
    assert extra == (str(nvidia / 'cu13' / 'include'), ) and missing == ('include/cusolverDn.h', )


def test_script_prints_what_install_sh_evaluates():
    """As install.sh runs it: `eval "$(python3 tools/install_flavour.py ...)"` with faked facts."""
    script = osp.join(ROOT, 'tools', 'install_flavour.py')
    fakes = '--torch-version 2.11.0+cu130 --torch-cuda 13.0 --gpus 9.0,8.0 --nvcc 13.0 --cuda-home "/opt/cuda 13"'
    shell = (f'set -e; eval "$({sys.executable} {script} {fakes})"; '
             'echo "$FLAVOUR|$WHEEL_SUBDIR|$CXX_STD|${#BUILD_ENV[@]}|${BUILD_ENV[1]}|${BUILD_ENV[2]}"; '
             'env "${BUILD_ENV[@]}" sh -c \'echo "$TORCH_CUDA_ARCH_LIST|$CUDA_HOME"\'')
    out = subprocess.run(['bash', '-c', shell], capture_output=True, text=True, check=True,
                         env={'PATH': '/usr/bin:/bin', 'TORCH_CUDA_ARCH_LIST': ''}).stdout.splitlines()
    assert out == ['cu130-sm80_90|torch-2.11.0-cu130-sm80_90|c++20|4|TORCH_CUDA_ARCH_LIST=8.0;9.0|CUDA_HOME=/opt/cuda 13',
                   '8.0;9.0|/opt/cuda 13']

    # The override comes from the environment, and a refusal is exit status 2 with the reason.
    proc = subprocess.run([sys.executable, script, '--torch-version', '2.11.0+cu130', '--torch-cuda', '13.0',
                           '--gpus', '9.0', '--nvcc', '12.4', '--cuda-home', '/usr/local/cuda'],
                          capture_output=True, text=True, env={'PROTUNING_MMCV_FLAVOUR': 'auto'})
    assert proc.returncode == 2 and proc.stdout == ''
    assert 'nvcc 12.4' in proc.stderr and 'PROTUNING_MMCV_FLAVOUR=cpu' in proc.stderr
    proc = subprocess.run([sys.executable, script, '--format', 'json', '--torch-version', '2.11.0+cu130',
                           '--torch-cuda', '13.0', '--gpus', '9.0', '--nvcc', 'none'],
                          capture_output=True, text=True, env={'PROTUNING_MMCV_FLAVOUR': 'cpu'})
    assert proc.returncode == 0 and json.loads(proc.stdout)['flavour'] == 'cpu'


def test_installed_mmcv_fits_this_cpu_host():
    """The check install.sh runs first: the real mmcv here, its real ops on CPU."""
    import mmcv
    assert flavour.check_installed(mmcv.__version__, 'cpu') is None
    assert flavour.check_installed(mmcv.__version__, 'auto') is None  # no GPU here: CPU only
    assert flavour.check_installed('9.9.9', 'cpu') == f'mmcv {mmcv.__version__} is installed, 9.9.9 is needed'
    assert flavour.check_installed(mmcv.__version__, 'lite') is None  # ops are not needed, and do no harm
