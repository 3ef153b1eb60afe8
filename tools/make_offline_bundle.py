"""Write a folder of wheels from which ``bash tools/install.sh --offline DIR`` installs protuning-mm
on a machine without network (e.g. the H200 device machine: Python 3.12, torch 2.11 + CUDA 13).

Run it on a machine with network, for the *target's* Python (any Python runs this script)::

    python3 tools/make_offline_bundle.py offline_bundle                    # for the device machine
    python3 tools/make_offline_bundle.py DIR --python-version 3.11 --torch 2.14.1 --torchvision 0.29.1 \\
        --provided none                                                    # for a bare target

What goes in (``pip download --only-binary=:all: --python-version X --platform manylinux...``):
the requirements of ``setup.py`` (and its ``tests`` extra), mmcv's runtime requirements, the
build tools, and everything these need, resolved together against the target's torch and
torchvision; plus the mmcv sdist (``--no-binary``), which install.sh compiles on the target.
What stays out:

* torch, torchvision (and their nvidia-*/triton libraries): the target's own are used; the
  resolution sees them as installed at ``--torch``/``--torchvision``.
* opencv-python, which mmengine requires: ~60 MB; the target's opencv-python-headless provides the
  same ``cv2`` (install.sh installs mmengine ``--no-deps`` and checks that ``cv2`` imports).
* ruff, the linter of the ``tests`` extra (10 MB): code is linted where it is written, not on the
  machine the bundle is for (``tests/test_00_lint.py`` fails there; every other test runs).
* packages the target already has (``--provided``; default: the device machine's image, as listed in
  the device notes on 2026-11-17) wherever every requirement on them is unversioned, so any
  installed version does. Versioned ones (``numpy<2.4``, ``setuptools<81``, ``timm>=1,<2``) come along.

It writes ``requirements.txt`` (what install.sh installs from DIR; installed packages that satisfy it
are kept), ``bundle.json`` (target, files, sizes) and prints the total size; it fails if the folder
and this repository's working tree together exceed the 64 MiB a device run can carry
(:data:`CARRY_LIMIT_MIB`; ``--max-mib`` sets a limit for the folder alone instead).

``--verify DIR`` (used by install.sh) checks a bundle against the running Python and prints
shell lines for install.sh.
"""
import argparse
import json
import os
import os.path as osp
import re
import runpy
import shlex
import subprocess
import sys
import tempfile
import time
import zipfile
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
MIB = 1024 * 1024
# What a run on the device machine can take along: the working tree plus the ignored paths it names
# (the bundle), 64 MiB in all.
CARRY_LIMIT_MIB = 64
MMCV = 'mmcv==2.1.0'
# Installed --no-deps on the target: it requires opencv-python, which the bundle leaves out.
NO_DEPS = ('mmengine',)
BUILD_TOOLS = ('wheel', 'ninja')  # mmcv's build (setuptools comes pinned from setup.py)
# Never in a bundle: the target's torch stack and GPU libraries, and the OpenCV that headless replaces.
NEVER = ('torch', 'torchvision', 'triton', 'opencv-python')
# Not needed where the bundle goes: the linter (10 MB) runs where code is edited.
NOT_NEEDED = ('ruff', )
NEVER_PREFIXES = ('nvidia-', 'cuda-')
# The device machine's Python packages (the device notes' KINDS.md, "Python packages already there",
# as read on 2026-11-17): present there in some version.
DEVICE_IMAGE_PACKAGES = """
    absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc anyio attrs botorch
    build certifi charset-normalizer chex click cloudpickle cmake colorama contourpy coverage
    cuda-bindings cuda-core cuda-pathfinder cuda-toolkit cupy-cuda13x cycler cython diffrax e3nn
    einops equinox etils execnet filelock flatbuffers flax fonttools formulaic frozenlist fsspec
    gpytorch grpcio h11 h5py hf-xet httpcore httpx huggingface-hub humanize hypothesis idna imageio
    iniconfig interface-meta jax jax-cuda13-pjrt jax-cuda13-plugin jaxlib jaxtyping jinja2 joblib
    kiwisolver lazy-loader lightning lightning-utilities linear-operator lineax llvmlite lxml
    markdown markdown-it-py markupsafe matplotlib mdurl meson ml-dtypes mpi4py mpmath msgpack
    multidict multipledispatch mypy-extensions nanobind narwhals networkx ninja numba numba-cuda
    numpy numpyro nvidia-cublas nvidia-cuda-cupti nvidia-cuda-nvrtc nvidia-cuda-runtime
    nvidia-cudnn-cu13 nvidia-cufft nvidia-cufile nvidia-curand nvidia-cusolver nvidia-cusparse
    nvidia-cusparselt-cu13 nvidia-ml-py nvidia-nccl-cu13 nvidia-nvjitlink nvidia-nvshmem-cu13
    nvidia-nvtx onnx onnx-ir onnxruntime onnxscript opencv-python-headless optax opt-einsum
    opt-einsum-fx optimistix orbax-checkpoint packaging pandas pathspec patsy peft pillow pip pluggy
    portalocker prometheus-client propcache protobuf psutil pyarrow pybind11 py-cpuinfo pygments
    pyparsing pyproject-hooks pyre-extensions pytest pytest-benchmark pytest-cov pytest-mock
    pytest-timeout pytest-xdist python-dateutil pytorch-lightning pyyaml regex requests rich
    sacrebleu safetensors scikit-build-core scikit-image scikit-learn scipy seaborn sentencepiece
    sentence-transformers setuptools shellingham simplejson six sortedcontainers statsmodels sympy
    tabulate tensorboard tensorboard-data-server tensorstore threadpoolctl tifffile tiktoken timm
    tokenizers toolz torch torchaudio torchdiffeq torch-geometric torchmetrics torchvision tqdm
    transformers treescope triton typer typing-extensions typing-inspect urllib3 uvloop
    wadler-lindig werkzeug wheel wrapt xarray xxhash yarl zipp
""".split()


def canonical(name: str) -> str:
    """PEP 503 name: ``PyYAML`` -> ``pyyaml``, ``typing_extensions`` -> ``typing-extensions``."""
    return re.sub(r'[-_.]+', '-', name).lower()


def never_bundled(name: str) -> bool:
    name = canonical(name)
    return name in NEVER or name in NOT_NEEDED or name.startswith(NEVER_PREFIXES)


def setup_requirements(root: str = ROOT, extras: Sequence[str] = ('tests', )) -> List[str]:
    """``install_requires`` (plus the given extras) of ``root/setup.py``, read by running it with a
    stand-in ``setuptools.setup`` (one list to maintain: setup.py's)."""
    import setuptools
    captured: Dict = {}
    real, setuptools.setup = setuptools.setup, lambda **kw: captured.update(kw)
    cwd = os.getcwd()
    try:
        os.chdir(root)
        runpy.run_path(osp.join(root, 'setup.py'), run_name='__not_main__')
    finally:
        setuptools.setup = real
        os.chdir(cwd)
    reqs = list(captured['install_requires'])
    for extra in extras:
        reqs += captured.get('extras_require', {}).get(extra, [])
    return reqs


def target_environment(python_version: str) -> Dict[str, str]:
    """PEP 508 marker values of a CPython ``python_version`` on x86-64 Linux."""
    return dict(python_version=python_version, python_full_version=f'{python_version}.0', os_name='posix',
                sys_platform='linux', platform_system='Linux', platform_machine='x86_64',
                platform_python_implementation='CPython', implementation_name='cpython', extra='')


def select(roots: Iterable[str], requires: Dict[str, List[str]], provided: Set[str],
           environment: Dict[str, str]) -> Tuple[Set[str], Set[str]]:
    """Which resolved packages the bundle must carry.

    Starting from ``roots``, follow each package's requirements (markers evaluated for the
    target). A package in ``provided`` is left to the target when the requirement reaching it
    has no version specifier (any installed version satisfies it); once reached through a
    versioned requirement it is carried. ``never_bundled`` packages are never carried.

    Args:
        roots (Iterable[str]): Top-level requirement strings.
        requires (dict[str, list[str]]): Canonical name -> requirement strings, for every resolved package.
        provided (set[str]): Canonical names the target has.
        environment (dict[str, str]): Marker values of the target.

    Returns:
        tuple[set[str], set[str]]: (carried, left to the target), canonical names.
    """
    from packaging.requirements import Requirement
    carried: Set[str] = set()
    left: Set[str] = set()
    todo = [Requirement(r) for r in roots]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate(environment):
            continue
        name = canonical(req.name)
        if never_bundled(name) or name in carried:
            continue
        if name in provided and not req.specifier:
            left.add(name)
            continue
        if name not in requires:
            raise KeyError(f'{req} is needed but was not resolved')
        carried.add(name)
        todo += [Requirement(r) for r in requires[name]]
    return carried, left - carried


def _stub_wheel(folder: str, name: str, version: str) -> None:
    """A metadata-only wheel ``name==version+provided`` that stands for the target's own package."""
    version = f'{version}+provided'
    stem = f'{canonical(name).replace("-", "_")}-{version}'  # a wheel file name's escaped form
    info = f'{stem}.dist-info'
    with zipfile.ZipFile(osp.join(folder, f'{stem}-py3-none-any.whl'), 'w') as whl:
        whl.writestr(f'{info}/METADATA', f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n')
        whl.writestr(f'{info}/WHEEL', 'Wheel-Version: 1.0\nGenerator: protuning-mm\nRoot-Is-Purelib: true\n'
                                      'Tag: py3-none-any\n')
        whl.writestr(f'{info}/RECORD', '')


def platform_args(python_version: str, glibc: str) -> List[str]:
    """pip's target options: CPython ``python_version``, manylinux up to glibc ``glibc`` (x86-64)."""
    top = int(glibc.split('.')[1])
    platforms = ['manylinux1_x86_64', 'manylinux2010_x86_64', 'manylinux2014_x86_64'] + [
        f'manylinux_2_{n}_x86_64' for n in range(5, top + 1)]
    args = ['--python-version', python_version, '--implementation', 'cp', '--only-binary=:all:']
    for platform in platforms:
        args += ['--platform', platform]
    return args


def _pip(*args: str) -> None:
    cmd = [sys.executable, '-m', 'pip', *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        noise = re.compile(r"WARNING: Location '.*' is ignored")
        err = '\n'.join(line for line in proc.stderr.splitlines() if not noise.search(line))
        raise RuntimeError(f'{" ".join(cmd[:6])} ... failed:\n{err[-3000:]}')


def _dry_run(tmp: str, stubs: Dict[str, str], python_version: str, glibc: str, args: Sequence[str]) -> List[dict]:
    """``pip install --dry-run --report`` for the target, with metadata-only stand-ins (``stubs``:
    name -> version) for what the target has installed; returns the report's install list."""
    folder = tempfile.mkdtemp(dir=tmp)
    for name, version in stubs.items():
        _stub_wheel(folder, name, version)
    report = osp.join(folder, 'report.json')
    _pip('install', '--disable-pip-version-check', '--dry-run', '--ignore-installed', '-q', '--report', report,
         '--target', osp.join(folder, 'target'), '--find-links', folder, *platform_args(python_version, glibc), *args)
    with open(report) as f:
        return json.load(f)['install']


def resolve(roots: Sequence[str], python_version: str, glibc: str, torch: str,
            torchvision: str) -> Dict[str, dict]:
    """Resolve ``roots`` for the target (metadata only), with torch and torchvision fixed to
    stand-ins of the target's versions so that nothing pulls another torch (or its GPU
    libraries) in."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(osp.join(tmp, 'constraints.txt'), 'w') as f:
            f.write(f'torch=={torch}\ntorchvision=={torchvision}\n')
        install = _dry_run(tmp, dict(torch=torch, torchvision=torchvision), python_version, glibc,
                           ['-c', osp.join(tmp, 'constraints.txt'), *roots])
        return {canonical(item['metadata']['name']): item['metadata'] for item in install}


def check_offline(out: str, manifest: dict) -> None:
    """Resolve ``out/requirements.txt`` as install.sh will, without an index: from the bundle
    alone plus stand-ins for torch, torchvision and the packages left to the target (any
    version). A package missing from the bundle fails here, not on the target.

    Raises:
        RuntimeError: With pip's complaint.
    """
    stubs = dict(torch=manifest['torch'], torchvision=manifest['torchvision'])
    stubs.update({name: '0' for name in manifest['provided']})
    with tempfile.TemporaryDirectory() as tmp:
        try:
            offline = ['--no-index', '--find-links', out]
            _dry_run(tmp, stubs, manifest['python'], manifest['glibc'],
                     [*offline, '-r', osp.join(out, 'requirements.txt')])
            _dry_run(tmp, {}, manifest['python'], manifest['glibc'], [*offline, '--no-deps', *manifest['no_deps']])
        except RuntimeError as err:
            raise RuntimeError(f'{out} does not install offline: {err}') from None


def _mmcv_runtime_requirements(sdist: str) -> List[str]:
    """``requirements/runtime.txt`` of the mmcv sdist (its setup.py reads that file)."""
    import tarfile
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith('/requirements/runtime.txt'))
        lines = tar.extractfile(member).read().decode().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith('#')]


def make_bundle(out: str, python_version: str = '3.12', torch: str = '2.11.0', torchvision: str = '0.26.0',
                provided: Optional[Set[str]] = None, glibc: str = '2.28', max_mib: Optional[float] = None) -> dict:
    """Write the bundle into ``out`` (see the module docstring) and return its manifest.

    Raises:
        RuntimeError: If pip cannot resolve or download something, or the bundle does not fit
            (:func:`check_size`).
    """
    provided = {canonical(p) for p in (DEVICE_IMAGE_PACKAGES if provided is None else provided)}
    os.makedirs(out, exist_ok=True)
    stale = [f for f in os.listdir(out) if f.endswith(('.whl', '.tar.gz'))]
    if stale:
        raise RuntimeError(f'{out} already holds {len(stale)} packages: give an empty or new folder '
                           f'(two versions of one package stop an offline install).')
    _pip('download', '--disable-pip-version-check', '-q', '--no-deps', '--no-binary', ':all:', MMCV, '-d', out)
    sdist = osp.join(out, f'{MMCV.replace("==", "-")}.tar.gz')
    mmcv_reqs = [r for r in _mmcv_runtime_requirements(sdist) if canonical(re.split(r'[<>=!~;\s\[]', r)[0]) != 'mmengine']
    ours = [r for r in setup_requirements() if not never_bundled(re.split(r'[<>=!~;\s\[]', r)[0])
            and canonical(re.split(r'[<>=!~;\s\[]', r)[0]) != 'mmcv']
    roots = ours + mmcv_reqs + list(BUILD_TOOLS)
    resolved = resolve(roots, python_version, glibc, torch, torchvision)
    requires = {name: [r for r in meta.get('requires_dist') or []] for name, meta in resolved.items()}
    env = target_environment(python_version)
    carried, left = select(roots, requires, provided, env)

    pins = [f'{resolved[name]["name"]}=={resolved[name]["version"]}' for name in sorted(carried)]
    _pip('download', '--disable-pip-version-check', '-q', '--no-deps', '-d', out,
         *platform_args(python_version, glibc), *pins)

    # What install.sh installs with dependencies: everything but the --no-deps packages, whose own
    # requirements (minus opencv-python) are listed instead.
    from packaging.requirements import Requirement
    top = [r for r in roots if canonical(Requirement(r).name) not in NO_DEPS]
    for name in NO_DEPS:
        top += [r for r in requires[name] if not never_bundled(Requirement(r).name)
                and (Requirement(r).marker is None or Requirement(r).marker.evaluate(env))]
    files = {f: osp.getsize(osp.join(out, f)) for f in sorted(os.listdir(out)) if f.endswith(('.whl', '.tar.gz'))}
    manifest = dict(
        python=python_version, torch=torch, torchvision=torchvision, glibc=glibc,
        created_utc=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
        mmcv_sdist=osp.basename(sdist),
        no_deps=[f'{resolved[n]["name"]}=={resolved[n]["version"]}' for n in NO_DEPS],
        provided=sorted(left), total_bytes=sum(files.values()), files=files)
    with open(osp.join(out, 'requirements.txt'), 'w') as f:
        f.write('# Installed by `bash tools/install.sh --offline DIR` (pip --no-index --find-links DIR).\n')
        f.write(''.join(f'{r}\n' for r in dict.fromkeys(top)))
    with open(osp.join(out, 'bundle.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    check_offline(out, manifest)
    check_size(out, max_mib)
    return manifest


def tree_bytes(root: str = ROOT) -> int:
    """Bytes of the working tree a device run copies: the files git tracks or would track
    (``git ls-files --cached --others --exclude-standard``), so ignored folders such as
    ``work_dirs/`` and ``offline_bundle/`` do not count. Without git, every file but ``.git/``."""
    try:
        listed = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=root,
                                capture_output=True, check=True).stdout.decode()
        paths = [osp.join(root, f) for f in listed.split('\0') if f]
    except (OSError, subprocess.CalledProcessError):
        paths = []
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d != '.git']
            paths += [osp.join(folder, f) for f in names]
    return sum(osp.getsize(p) for p in paths if osp.isfile(p) and not osp.islink(p))


def folder_bytes(folder: str) -> int:
    """Bytes of every file under ``folder``."""
    return sum(osp.getsize(osp.join(d, f)) for d, _, names in os.walk(folder) for f in names)


def check_size(out: str, max_mib: Optional[float] = None, root: str = ROOT) -> int:
    """Check the bundle folder fits what a device run carries.

    Args:
        out (str): The bundle folder.
        max_mib (float | None): Limit for the folder alone. Defaults to :data:`CARRY_LIMIT_MIB` less
            the working tree of ``root`` (:func:`tree_bytes`), which travels with it.
        root (str): The repository whose tree is carried too.

    Returns:
        int: The folder's size in bytes.

    Raises:
        RuntimeError: Over the limit; names the biggest files.
    """
    size = folder_bytes(out)
    if max_mib is None:
        tree = tree_bytes(root)
        limit, what = CARRY_LIMIT_MIB * MIB - tree, (f'{CARRY_LIMIT_MIB} MiB a device run carries, less the working '
                                                      f'tree ({tree / MIB:.1f} MiB)')
    else:
        limit, what = max_mib * MIB, f'--max-mib {max_mib:g}'
    if size > limit:
        files = {f: osp.getsize(osp.join(out, f)) for f in os.listdir(out) if osp.isfile(osp.join(out, f))}
        biggest = ', '.join(f'{k} ({v / MIB:.1f} MiB)' for k, v in sorted(files.items(), key=lambda kv: -kv[1])[:3])
        raise RuntimeError(f'the bundle in {out} is {size / MIB:.1f} MiB, over the {limit / MIB:.1f} MiB left by the '
                           f'{what}. Biggest: {biggest}. If the target has one of them installed, list it in '
                           f'--provided.')
    return size


def verify(folder: str) -> str:
    """Check ``folder`` is a bundle for the running Python; return install.sh's shell lines.

    Raises:
        RuntimeError: Naming what is wrong and how to make a fitting bundle.
    """
    path = osp.join(folder, 'bundle.json')
    if not osp.isfile(path):
        raise RuntimeError(f'{folder} has no bundle.json: make the bundle with '
                           f'`python3 tools/make_offline_bundle.py {folder}` on a machine with network.')
    with open(path) as f:
        manifest = json.load(f)
    here = '%d.%d' % sys.version_info[:2]
    if manifest['python'] != here:
        raise RuntimeError(f'{folder} was made for Python {manifest["python"]}, this is Python {here}: make one with '
                           f'`python3 tools/make_offline_bundle.py DIR --python-version {here}`.')
    missing = [f for f in [manifest['mmcv_sdist'], 'requirements.txt', *manifest['files']]
               if not osp.isfile(osp.join(folder, f))]
    if missing:
        raise RuntimeError(f'{folder} is incomplete, missing: {", ".join(missing[:5])}. Copy the whole folder.')
    print(f'offline bundle {folder}: {len(manifest["files"])} files, {manifest["total_bytes"] / MIB:.1f} MiB, for '
          f'Python {manifest["python"]}, resolved against torch {manifest["torch"]} / torchvision '
          f'{manifest["torchvision"]}, made {manifest["created_utc"]}', file=sys.stderr)
    return '\n'.join([f'BUNDLE_SDIST={shlex.quote(manifest["mmcv_sdist"])}',
                      f'BUNDLE_NO_DEPS=({" ".join(shlex.quote(p) for p in manifest["no_deps"])})'])


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out', help='folder to write (new or empty)')
    parser.add_argument('--python-version', default='3.12', help="the target's Python (default: 3.12, the device machine's)")
    parser.add_argument('--torch', default='2.11.0', help="the target's installed torch (default: 2.11.0)")
    parser.add_argument('--torchvision', default='0.26.0', help="the target's installed torchvision (default: 0.26.0)")
    parser.add_argument('--provided', nargs='*', default=None,
                        help="packages the target has ('none': a bare target; default: the device machine's image)")
    parser.add_argument('--glibc', default='2.28', help='newest manylinux glibc the target runs (default: 2.28)')
    parser.add_argument('--max-mib', type=float, default=None,
                        help=f'fail above this size (default: {CARRY_LIMIT_MIB} less the working tree, carried with it)')
    parser.add_argument('--verify', action='store_true', help='check OUT against this Python (install.sh --offline)')
    args = parser.parse_args(argv)
    try:
        if args.verify:
            print(verify(args.out))
            return 0
        provided = set() if args.provided == ['none'] else (set(args.provided) if args.provided else None)
        manifest = make_bundle(args.out, args.python_version, args.torch, args.torchvision, provided, args.glibc,
                               args.max_mib)
    except RuntimeError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(f'{args.out}: {len(manifest["files"])} files, {manifest["total_bytes"] / MIB:.1f} MiB '
          f'({manifest["total_bytes"]:,} bytes) for Python {manifest["python"]}; left to the target: '
          f'{", ".join(manifest["provided"]) or "nothing"}')
    folder, tree = folder_bytes(args.out), tree_bytes()
    print(f'carried to a device run with the working tree: {folder / MIB:.1f} + {tree / MIB:.1f} = '
          f'{(folder + tree) / MIB:.1f} MiB of {CARRY_LIMIT_MIB}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
