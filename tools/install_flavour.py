"""Decide which mmcv build fits this host, for ``tools/install.sh``.

mmcv 2.1.0 is compiled against the installed torch. Its compiled ops either run on CPU only
(``cpu``) or also carry CUDA kernels for a set of GPU architectures (``cu130-sm90``: torch's CUDA
13.0, kernels for sm_90); or, on request, it is built without them (``lite``: seconds instead of
minutes, for models that need no mmcv op). A build that does not fit the host fails late and far from its cause
(``nms_impl: implementation for device cuda:0 not found`` at the first detection iteration), so
the install decides the flavour up front and refuses, with the fix in the message, what cannot work.

Rules (:func:`decide`):

* ``PROTUNING_MMCV_FLAVOUR`` = ``auto`` (default) | ``cpu`` | ``cuda`` | ``lite``. ``auto`` builds
  CUDA ops when torch sees a GPU, CPU ops otherwise. ``cpu`` is the opt-in for CPU-only ops on a GPU
  host. ``cuda`` insists on CUDA ops (without a visible GPU it needs ``TORCH_CUDA_ARCH_LIST``).
  ``lite`` is mmcv's own ``MMCV_WITH_OPS=0`` build (pure Python), kept under the distribution name
  ``mmcv`` (mmcv calls it ``mmcv-lite``) so that the requirement ``mmcv==2.1.0`` holds and a later
  build replaces it, plus ``tools/mmcv_ext_stub.py`` as ``mmcv._ext``: mmseg 1.2.2 imports
  ``mmcv.ops`` unconditionally (``san_head.py``, ``focal_loss.py``), so without a stand-in even
  UperNet would not import; an op called raises, naming the build command. Any installed mmcv
  2.1.0 fits ``lite``; ``auto``/``cpu``/``cuda`` replace a lite one (its ops do not run).
* Architectures: ``TORCH_CUDA_ARCH_LIST`` when set (it must produce code that runs on every visible
  GPU), else the compute capabilities of the visible GPUs, e.g. ``8.0;9.0``.
* The CUDA compiler is found where torch's ``cpp_extension`` (which compiles mmcv) looks:
  ``$CUDA_HOME`` or ``$CUDA_PATH``, else ``nvcc`` on ``PATH``, else ``/usr/local/cuda``
  (:func:`find_cuda_home`; the folder found is passed to the build as ``CUDA_HOME``). Its major
  version must equal ``torch.version.cuda``'s (torch refuses otherwise, after minutes of
  compiling). A different minor version is accepted with a note, as torch does: CUDA's minor
  version compatibility lets a 13.x toolkit build code for torch's 13.y runtime, and the build
  emits machine code for the listed GPUs, not PTX that an older driver would have to JIT.
* torch >= 2.10 headers need C++20; mmcv's setup.py asks for C++17 (``CXX_STD`` in the output).

Usage (install.sh evaluates the shell output; ``--format json`` for people)::

    python3 tools/install_flavour.py [--format shell|json]          # probe torch, GPUs, nvcc
    python3 tools/install_flavour.py --torch-version 2.11.0+cu130 --torch-cuda 13.0 \\
        --gpus 9.0 --nvcc 13.0 --cuda-home /usr/local/cuda                  # decide for given facts
    python3 tools/install_flavour.py --check-installed 2.1.0 --flavour cu130-sm90
        # exit 0 if the installed mmcv is that version and its ops run on this host's devices

Exit status 2 with the reason on stderr when no build fits (install.sh stops before compiling).
"""
import argparse
import json
import os
import os.path as osp
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

FLAVOUR_VAR = 'PROTUNING_MMCV_FLAVOUR'
ARCH_VAR = 'TORCH_CUDA_ARCH_LIST'
FLAVOURS = ('auto', 'cpu', 'cuda', 'lite')
ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

Capability = Tuple[int, int]
# What compiling against torch's CUDA headers needs from the toolkit: the headers that
# ATen/cuda/CUDAContextLight.h includes, and the runtime library the extension links.
TOOLKIT_HEADERS = ('cuda_runtime.h', 'cusparse.h', 'cublas_v2.h', 'cublasLt.h', 'cusolverDn.h')
TOOLKIT_FILES = tuple(f'include/{h}' for h in TOOLKIT_HEADERS) + ('lib64/libcudart.so', )


class FlavourError(RuntimeError):
    """No mmcv build fits this host as asked; the message names the fix."""


@dataclass(frozen=True)
class Host:
    """What the decision depends on (probed by :func:`probe_host`, or given for a test).

    Attributes:
        torch_version (str): ``torch.__version__``, e.g. ``'2.11.0+cu130'``.
        torch_cuda (str | None): ``torch.version.cuda`` (``'13.0'``); None for a CPU-only torch.
        gpus (tuple[tuple[int, int], ...]): Compute capability of each GPU torch sees.
        gpu_names (tuple[str, ...]): Their names, for messages (may be empty).
        cuda_home (str | None): The CUDA toolkit folder torch's ``cpp_extension`` would use.
        nvcc_version (str | None): ``'X.Y'`` of ``<cuda_home>/bin/nvcc``; None if there is none.
        cuda_extra_includes (tuple[str, ...]): Header folders of torch's pip CUDA libraries
            (``site-packages/nvidia/*/include``) that hold headers ``cuda_home`` lacks.
        cuda_missing (tuple[str, ...]): Toolkit files the build needs and nobody provides
            (see :data:`TOOLKIT_FILES`).
    """
    torch_version: str
    torch_cuda: Optional[str] = None
    gpus: Tuple[Capability, ...] = ()
    gpu_names: Tuple[str, ...] = ()
    cuda_home: Optional[str] = None
    nvcc_version: Optional[str] = None
    cuda_extra_includes: Tuple[str, ...] = ()
    cuda_missing: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """The build that fits.

    Attributes:
        flavour (str): ``'cpu'``, ``'cu<torch CUDA>-sm<archs>'`` (e.g. ``'cu130-sm80_90'``) or ``'lite'``.
        torch_version (str): torch's release without the local part (``'2.11.0'``).
        wheel_subdir (str): Folder of the kept wheel under the wheel dir:
            ``torch-<torch_version>-<flavour>``, so that a wheel is reused only where it fits.
        cxx_std (str): C++ standard to compile with (``'c++20'`` for torch >= 2.10).
        env (dict[str, str]): Variables to build mmcv with (``FORCE_CUDA``, ``TORCH_CUDA_ARCH_LIST``,
            ``CUDA_HOME``; ``CUDA_VISIBLE_DEVICES=''`` for a CPU build, since mmcv's setup.py
            builds CUDA ops whenever torch sees a GPU; ``MMCV_WITH_OPS``: ``'0'`` for ``lite``).
        notes (tuple[str, ...]): What was decided and why, for the install log.
    """
    flavour: str
    torch_version: str
    wheel_subdir: str
    cxx_std: str
    env: Dict[str, str] = field(default_factory=dict)
    notes: Tuple[str, ...] = ()


def _version_tuple(version: str) -> Tuple[int, ...]:
    """``'2.11.0+cu130'`` -> ``(2, 11, 0)``; ``'13.0'`` -> ``(13, 0)``."""
    return tuple(int(p) for p in re.findall(r'\d+', version.split('+')[0])[:3])


def parse_arch_list(value: str) -> List[Tuple[Capability, str, bool]]:
    """Parse a ``TORCH_CUDA_ARCH_LIST`` value.

    Args:
        value (str): E.g. ``'8.0;9.0'``, ``'8.6 9.0+PTX'`` or ``'9.0a'``.

    Returns:
        list[tuple[tuple[int, int], str, bool]]: ``((major, minor), suffix, ptx)`` per entry, in
        order, duplicates dropped; ``suffix`` is ``''``, ``'a'`` or ``'f'``.

    Raises:
        FlavourError: For an empty list or an entry that is not numeric (torch's named
            architectures such as ``Hopper`` are not accepted here, so that the wheel folder
            names exactly what was built).
    """
    entries = []
    for item in re.split(r'[;\s]+', value.strip()):
        if not item:
            continue
        match = re.fullmatch(r'(\d+)\.(\d+)([af]?)(\+PTX)?', item)
        if not match:
            raise FlavourError(
                f'{ARCH_VAR}={value!r}: cannot read {item!r}. Give compute capabilities as numbers, '
                f'e.g. {ARCH_VAR}="8.0;9.0" (A100 and H100/H200), optionally "+PTX" on the last; '
                f'or unset it to build for the visible GPUs.')
        entry = ((int(match.group(1)), int(match.group(2))), match.group(3), bool(match.group(4)))
        if entry not in entries:
            entries.append(entry)
    if not entries:
        raise FlavourError(f'{ARCH_VAR} is set but empty: unset it, or list compute capabilities, e.g. "9.0".')
    return entries


def runs_on(entries: Sequence[Tuple[Capability, str, bool]], gpu: Capability) -> bool:
    """Whether code built for ``entries`` runs on a GPU of compute capability ``gpu``.

    Machine code (cubin) for sm_XY runs on GPUs of the same major version and minor >= Y;
    architecture-specific code (``9.0a``) only on exactly that capability; PTX (``+PTX``) is
    compiled by the driver for any GPU of the same or a higher capability.
    """
    for cap, suffix, ptx in entries:
        if ptx and gpu >= cap:
            return True
        if suffix == 'a' and gpu == cap:
            return True
        if suffix != 'a' and gpu[0] == cap[0] and gpu[1] >= cap[1]:
            return True
    return False


def _arch_tag(entries: Sequence[Tuple[Capability, str, bool]]) -> str:
    """``[((8, 0), '', False), ((9, 0), '', True)]`` -> ``'sm80_90ptx'``."""
    return 'sm' + '_'.join(f'{c[0]}{c[1]}{s}{"ptx" if p else ""}' for c, s, p in entries)


def _gpu_label(host: Host, i: int) -> str:
    name = host.gpu_names[i] if i < len(host.gpu_names) else 'GPU'
    return f'GPU {i} ({name}, sm_{host.gpus[i][0]}{host.gpus[i][1]})'


def _toolkit_fix(host: Host) -> str:
    return (f'install the CUDA toolkit {host.torch_cuda} (the version torch {host.torch_version} was built with; '
            f'any {host.torch_cuda.split(".")[0]}.x works) and point CUDA_HOME at it, e.g. '
            f'`export CUDA_HOME=/usr/local/cuda-{host.torch_cuda}`; or, to build CPU-only ops on purpose '
            f'(detection models with RoIAlign/nms, e.g. HTC, then cannot train on the GPU), '
            f'`{FLAVOUR_VAR}=cpu bash tools/install.sh`')


def decide(host: Host, flavour: str = 'auto', arch_list: Optional[str] = None) -> Decision:
    """Choose the mmcv build for ``host``.

    Args:
        host (Host): The torch, GPUs and CUDA compiler found.
        flavour (str): ``PROTUNING_MMCV_FLAVOUR``: ``'auto'`` (or ``''``), ``'cpu'``, ``'cuda'`` or ``'lite'``.
        arch_list (str | None): ``TORCH_CUDA_ARCH_LIST`` if the user set it (``'native'`` and
            ``''`` count as unset).

    Returns:
        Decision: The flavour, the wheel folder and the build environment.

    Raises:
        FlavourError: When the requested build cannot work here; the message says what to
            install or set.
    """
    flavour = (flavour or 'auto').strip().lower()
    if flavour not in FLAVOURS:
        raise FlavourError(f'{FLAVOUR_VAR}={flavour!r}: use one of {", ".join(FLAVOURS)} '
                           f'(auto: CUDA ops when torch sees a GPU, CPU ops otherwise).')
    arch_list = (arch_list or '').strip()
    if arch_list == 'native':
        arch_list = ''
    torch_version = '.'.join(map(str, _version_tuple(host.torch_version)))
    cxx_std = 'c++20' if _version_tuple(host.torch_version)[:2] >= (2, 10) else 'c++17'
    notes: List[str] = []

    if flavour == 'lite':
        notes.append('lite: mmcv without compiled ops (MMCV_WITH_OPS=0, seconds to build); models that call mmcv '
                     'ops (RoIAlign, nms: HTC, Cascade Mask R-CNN) stop with the command that builds them '
                     f'({FLAVOUR_VAR}=auto bash tools/install.sh).')
        if arch_list:
            notes.append(f'{ARCH_VAR}={arch_list} is ignored for a build without ops.')
        return Decision('lite', torch_version, f'torch-{torch_version}-lite', cxx_std, dict(MMCV_WITH_OPS='0'),
                        tuple(notes))
    if flavour == 'cpu' or (flavour == 'auto' and not host.gpus):
        if host.gpus:
            notes.append(f'{FLAVOUR_VAR}=cpu: building CPU-only ops although torch sees '
                         f'{len(host.gpus)} GPU(s); models with mmcv ops (RoIAlign, nms: HTC, Cascade Mask R-CNN) '
                         f'will not run on the GPU.')
        else:
            notes.append('no GPU visible to torch: building CPU-only ops.')
        if arch_list:
            notes.append(f'{ARCH_VAR}={arch_list} is ignored for a CPU build.')
        # mmcv's setup.py compiles CUDA ops whenever torch sees a GPU: hide them for a CPU build.
        return Decision('cpu', torch_version, f'torch-{torch_version}-cpu', cxx_std,
                        dict(CUDA_VISIBLE_DEVICES='', FORCE_CUDA='0', MMCV_WITH_OPS='1'), tuple(notes))

    # A CUDA build: asked for, or auto with a GPU visible.
    if not host.torch_cuda:
        raise FlavourError(f'CUDA ops were asked for ({FLAVOUR_VAR}={flavour}) but torch {host.torch_version} '
                           f'is a CPU-only build: install a CUDA build of torch, or use {FLAVOUR_VAR}=cpu.')
    if arch_list:
        entries = parse_arch_list(arch_list)
        missed = [_gpu_label(host, i) for i, cap in enumerate(host.gpus) if not runs_on(entries, cap)]
        if missed:
            wanted = ';'.join(sorted({f'{c[0]}.{c[1]}' for c in host.gpus}))
            raise FlavourError(f'{ARCH_VAR}={arch_list} builds no code that runs on {", ".join(missed)}: '
                               f'add their capability ({ARCH_VAR}="{wanted}") or unset {ARCH_VAR} to build '
                               f'for the visible GPUs.')
    elif host.gpus:
        entries = [(cap, '', False) for cap in sorted(set(host.gpus))]
    else:
        raise FlavourError(f'{FLAVOUR_VAR}=cuda but torch sees no GPU, so the GPU architectures to build for are '
                           f'unknown: set {ARCH_VAR} (e.g. {ARCH_VAR}="9.0" for H100/H200, "8.0" for A100), '
                           f'or use {FLAVOUR_VAR}=auto to build CPU ops on this host.')

    if host.nvcc_version is None:
        where = (f'CUDA_HOME={host.cuda_home} has no bin/nvcc' if host.cuda_home else
                 'no nvcc found ($CUDA_HOME, $CUDA_PATH, PATH, /usr/local/cuda)')
        why = 'torch sees a GPU' if host.gpus else f'{FLAVOUR_VAR}=cuda'
        raise FlavourError(f'{why}, so mmcv is built with CUDA ops, but {where}. Fix: '
                           f'{_toolkit_fix(host)}.')
    if host.cuda_missing:
        raise FlavourError(f'the CUDA toolkit in {host.cuda_home} lacks {", ".join(host.cuda_missing)}, which building '
                           f'against torch\'s CUDA headers needs (nor do torch\'s pip CUDA libraries provide them). '
                           f'Fix: {_toolkit_fix(host)}.')
    nvcc, runtime = _version_tuple(host.nvcc_version), _version_tuple(host.torch_cuda)
    if nvcc[0] != runtime[0]:
        raise FlavourError(f'nvcc {host.nvcc_version} (in {host.cuda_home}) does not match torch\'s CUDA '
                           f'{host.torch_cuda}: the major versions must be equal. Fix: {_toolkit_fix(host)}.')
    if nvcc[:2] != runtime[:2]:
        notes.append(f'nvcc {host.nvcc_version} vs torch\'s CUDA {host.torch_cuda}: same major version, accepted '
                     f'(as torch\'s cpp_extension does; CUDA minor version compatibility).')
    flavour_name = f'cu{"".join(map(str, runtime[:2]))}-{_arch_tag(entries)}'
    archs = ';'.join(f'{c[0]}.{c[1]}{s}{"+PTX" if p else ""}' for c, s, p in entries)
    notes.append(f'building CUDA ops for {archs} with nvcc {host.nvcc_version} ({host.cuda_home})' +
                 (f'; visible: {", ".join(_gpu_label(host, i) for i in range(len(host.gpus)))}' if host.gpus else ''))
    env = dict(FORCE_CUDA='1', TORCH_CUDA_ARCH_LIST=archs)
    if host.cuda_home:  # the toolkit checked above, whatever PATH says during the build
        env['CUDA_HOME'] = host.cuda_home
    env['MMCV_WITH_OPS'] = '1'
    if host.cuda_extra_includes:  # gcc (and nvcc, through it) search CPATH after the -I folders
        env['CPATH'] = os.pathsep.join([*host.cuda_extra_includes, *filter(None, [os.environ.get('CPATH')])])
        notes.append(f'headers missing from {host.cuda_home}/include are taken from {", ".join(host.cuda_extra_includes)}')
    return Decision(flavour_name, torch_version, f'torch-{torch_version}-{flavour_name}', cxx_std, env, tuple(notes))


# -- probing the real host -------------------------------------------------------------------------
def find_cuda_home(environ: Mapping[str, str] = os.environ,
                   which: Callable[[str], Optional[str]] = shutil.which,
                   isfile: Callable[[str], bool] = osp.isfile,
                   realpath: Callable[[str], str] = osp.realpath) -> Optional[str]:
    """The CUDA toolkit folder to build with.

    ``$CUDA_HOME`` or ``$CUDA_PATH`` when set (the user's choice, taken as is). Otherwise the
    places torch's ``cpp_extension`` looks (the folder above the ``bin/`` of ``nvcc`` on
    ``PATH``, then ``/usr/local/cuda``), plus the folder of the real ``nvcc`` when that one is a
    symbolic link: the first holding ``bin/nvcc`` *and* ``include/cuda_runtime.h``. torch alone
    would take ``/usr/local`` for a ``/usr/local/bin/nvcc`` wrapper script, and then find neither
    CUDA's headers nor its libraries there; the chosen folder is passed to the build as CUDA_HOME.
    """
    home = environ.get('CUDA_HOME') or environ.get('CUDA_PATH')
    if home:
        return home
    nvcc = which('nvcc')
    candidates = [osp.dirname(osp.dirname(nvcc)), osp.dirname(osp.dirname(realpath(nvcc)))] if nvcc else []
    candidates.append('/usr/local/cuda')
    with_nvcc = [c for c in dict.fromkeys(candidates) if isfile(osp.join(c, 'bin', 'nvcc'))]
    for candidate in with_nvcc:
        if isfile(osp.join(candidate, 'include', 'cuda_runtime.h')):
            return candidate
    return with_nvcc[0] if with_nvcc else None


def nvcc_version(cuda_home: Optional[str]) -> Optional[str]:
    """``'X.Y'`` from ``<cuda_home>/bin/nvcc --version``; None if there is no working nvcc."""
    if not cuda_home:
        return None
    nvcc = osp.join(cuda_home, 'bin', 'nvcc')
    if not osp.isfile(nvcc):
        return None
    try:
        out = subprocess.run([nvcc, '--version'], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'release (\d+\.\d+)', out)
    return match.group(1) if match else None


def toolkit_gaps(cuda_home: str, nvidia_root: Optional[str],
                 isfile: Callable[[str], bool] = osp.isfile) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """What the toolkit in ``cuda_home`` lacks for the build, and where torch's pip CUDA libraries fill in.

    Some toolkits (a minimal one next to a pip-installed torch, for example) hold nvcc and the
    runtime but not cuSPARSE/cuBLAS/cuSOLVER headers; the ``nvidia-*`` wheels torch depends on
    ship them under ``site-packages/nvidia/<name>/include``.

    Args:
        cuda_home (str): The toolkit folder.
        nvidia_root (str | None): ``site-packages/nvidia``, if present.
        isfile: ``os.path.isfile`` (a seam for tests).

    Returns:
        tuple: (extra include folders to add, toolkit files nobody provides).
    """
    import glob
    extra: List[str] = []
    missing: List[str] = []
    pip_includes = sorted(glob.glob(osp.join(nvidia_root, '*', 'include'))) if nvidia_root else []
    for rel in TOOLKIT_FILES:
        if isfile(osp.join(cuda_home, rel)) or (rel.startswith('lib64/') and isfile(osp.join(cuda_home, 'lib', rel[6:]))):
            continue
        found = [d for d in pip_includes if rel.startswith('include/') and isfile(osp.join(d, rel[8:]))]
        if found:
            extra += [d for d in found[:1] if d not in extra]
        else:
            missing.append(rel)
    return tuple(extra), tuple(missing)


def probe_host() -> Host:
    """Read torch's version and CUDA, the GPUs torch sees and the CUDA compiler of this machine."""
    import torch
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    cuda_home = find_cuda_home() if torch.version.cuda else None
    nvidia_root = osp.join(osp.dirname(osp.dirname(torch.__file__)), 'nvidia')
    extra, missing = toolkit_gaps(cuda_home, nvidia_root if osp.isdir(nvidia_root) else None) if cuda_home else ((), ())
    return Host(torch_version=torch.__version__, torch_cuda=torch.version.cuda,
                gpus=tuple(tuple(torch.cuda.get_device_capability(i)) for i in range(count)),
                gpu_names=tuple(torch.cuda.get_device_name(i) for i in range(count)),
                cuda_home=cuda_home, nvcc_version=nvcc_version(cuda_home),
                cuda_extra_includes=extra, cuda_missing=missing)


def _load_ops_check():
    """``protuning_mm/utils/ops_check.py``, loaded by path: protuning-mm is not installed yet here."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        '_protuning_ops_check', osp.join(ROOT, 'protuning_mm', 'utils', 'ops_check.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_installed(version: str, flavour: str) -> Optional[str]:
    """Why the installed mmcv does not fit, or None if it does.

    It fits when it is ``version``, its compiled ops load, and they run on CPU and, for a CUDA
    flavour, on every visible GPU (a tiny nms and RoIAlign on each: this catches a CPU-only build,
    one for other GPU architectures, one compiled against another torch and a ``lite`` build).
    For ``lite`` it only has to be ``version`` and import: ops are not needed, and a build with
    them does too.
    """
    try:
        import mmcv
    except Exception as err:  # noqa: BLE001 - any import failure means "does not fit"
        return f'mmcv does not import ({err})'
    if mmcv.__version__ != version:
        return f'mmcv {mmcv.__version__} is installed, {version} is needed'
    if flavour == 'lite':
        return None
    import torch
    ops_check = _load_ops_check()
    devices = ['cpu']
    if flavour != 'cpu':
        devices += [f'cuda:{i}' for i in range(torch.cuda.device_count())]
    for device in devices:
        problem = ops_check.ops_problem(device)
        if problem:
            return f'its ops do not run on {device}: {problem}'
    return None


# -- command line ----------------------------------------------------------------------------------
def shell_lines(decision: Decision) -> str:
    """``KEY=value`` lines (bash arrays for the env and notes) that install.sh evaluates."""
    env = ' '.join(shlex.quote(f'{k}={v}') for k, v in decision.env.items())
    notes = ' '.join(shlex.quote(n) for n in decision.notes)
    return '\n'.join([f'FLAVOUR={shlex.quote(decision.flavour)}',
                      f'WHEEL_SUBDIR={shlex.quote(decision.wheel_subdir)}',
                      f'TORCH_RELEASE={shlex.quote(decision.torch_version)}',
                      f'CXX_STD={shlex.quote(decision.cxx_std)}',
                      f'BUILD_ENV=({env})', f'FLAVOUR_NOTES=({notes})'])


def _capabilities(value: str) -> Tuple[Capability, ...]:
    try:
        return tuple(tuple(int(x) for x in item.split('.')) for item in value.replace(';', ',').split(',')
                     if item.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f'--gpus {value!r}: give capabilities like 9.0,8.0') from None


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--format', choices=('shell', 'json'), default='shell')
    parser.add_argument('--flavour', default=None,
                        help=f'overrides ${FLAVOUR_VAR} (auto|cpu|cuda|lite; with --check-installed: the decided flavour)')
    parser.add_argument('--arch-list', default=None, help=f'overrides ${ARCH_VAR}')
    given = parser.add_argument_group('facts instead of probing (all optional; --torch-version turns probing off)')
    given.add_argument('--torch-version')
    given.add_argument('--torch-cuda', help="torch.version.cuda, or 'none'")
    given.add_argument('--gpus', type=_capabilities, default=(), help='capabilities of the visible GPUs, e.g. 9.0,8.0')
    given.add_argument('--cuda-home')
    given.add_argument('--nvcc', help="nvcc's X.Y, or 'none'")
    parser.add_argument('--check-installed', metavar='MMCV_VERSION',
                        help='exit 0 if the installed mmcv is this version and fits --flavour, else 1')
    args = parser.parse_args(argv)

    if args.check_installed:
        problem = check_installed(args.check_installed, args.flavour or 'cpu')
        if problem:
            print(problem)
            return 1
        return 0

    if args.torch_version:
        none = (None, 'none', '')
        host = Host(args.torch_version, None if args.torch_cuda in none else args.torch_cuda, args.gpus,
                    (), args.cuda_home, None if args.nvcc in none else args.nvcc)
    else:
        host = probe_host()
    flavour = args.flavour if args.flavour is not None else os.environ.get(FLAVOUR_VAR, 'auto')
    arch_list = args.arch_list if args.arch_list is not None else os.environ.get(ARCH_VAR)
    try:
        decision = decide(host, flavour, arch_list)
    except FlavourError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(shell_lines(decision) if args.format == 'shell' else json.dumps(dict(asdict(decision), host=asdict(host)),
                                                                          indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
