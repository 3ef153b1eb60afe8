"""tools/make_offline_bundle.py without network: which resolved packages a bundle carries, the
requirements it reads from setup.py, and the check install.sh --offline runs on a bundle."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tools import make_offline_bundle as bundle

ROOT = Path(__file__).resolve().parents[1]


ENV = bundle.target_environment('3.12')


def test_requirements_come_from_setup_py():
    reqs = bundle.setup_requirements()
    assert {'mmcv==2.1.0', 'mmengine>=0.10,<0.11', 'numpy<2.4', 'torch>=2.1', 'pytest>=7'} <= set(reqs)
    assert 'mlxtend' not in reqs  # the demo extra is not needed to run the GPU check


def test_provided_packages_stay_out_unless_a_version_is_required():
    requires = {
        'mmengine': ['numpy', 'matplotlib', 'opencv-python>=3', 'tomli; python_version < "3.11"'],
        'numpy': [], 'matplotlib': ['pillow>=9'], 'pillow': [], 'scipy': ['numpy>=1.26'],
        'mmdet': ['scipy', 'shapely', 'torch'], 'shapely': ['numpy>=1.26'],
    }
    carried, left = bundle.select(['mmengine==0.10.7', 'mmdet', 'numpy<2.4'], requires,
                                  provided={'numpy', 'matplotlib', 'pillow', 'scipy', 'torch'}, environment=ENV)
    # numpy is provided but pinned (<2.4): carried. matplotlib/scipy: unversioned, left with their
    # own requirements (pillow). torch, opencv-python: never. tomli: marker false on 3.12.
    assert carried == {'mmengine', 'mmdet', 'numpy', 'shapely'}
    assert left == {'matplotlib', 'scipy'}


def test_a_needed_package_that_was_not_resolved_is_an_error():
    with pytest.raises(KeyError, match='addict'):
        bundle.select(['mmengine'], {'mmengine': ['addict']}, set(), ENV)


def make_fake_bundle(folder, python):
    folder.mkdir()
    files = {'mmengine-0.10.7-py3-none-any.whl': 3, 'mmcv-2.1.0.tar.gz': 5}
    for name, size in files.items():
        (folder / name).write_bytes(b'x' * size)
    (folder / 'requirements.txt').write_text('numpy<2.4\n')
    (folder / 'bundle.json').write_text(json.dumps(dict(
        python=python, torch='2.11.0', torchvision='0.26.0', glibc='2.28', created_utc='2026-01-01T00:00:00Z',
        mmcv_sdist='mmcv-2.1.0.tar.gz', no_deps=['mmengine==0.10.7'], provided=['scipy'], total_bytes=8, files=files)))
    return folder


def test_verify_accepts_a_bundle_for_this_python_and_gives_install_sh_its_variables(tmp_path):
    here = '%d.%d' % sys.version_info[:2]
    folder = make_fake_bundle(tmp_path / 'b', here)
    script = ROOT / 'tools' / 'make_offline_bundle.py'
    out = subprocess.run(['bash', '-c', f'set -e; eval "$({sys.executable} {script} --verify {folder})"; '
                                        'echo "$BUNDLE_SDIST|${BUNDLE_NO_DEPS[*]}"'],
                         capture_output=True, text=True, check=True)
    assert out.stdout == 'mmcv-2.1.0.tar.gz|mmengine==0.10.7\n'
    assert f'2 files, 0.0 MiB, for Python {here}' in out.stderr


def test_verify_refuses_another_python_or_an_incomplete_copy(tmp_path):
    folder = make_fake_bundle(tmp_path / 'b', '3.12' if sys.version_info[:2] != (3, 12) else '3.11')
    with pytest.raises(RuntimeError, match=r'made for Python 3\.1\d, this is Python .*--python-version'):
        bundle.verify(str(folder))
    folder = make_fake_bundle(tmp_path / 'c', '%d.%d' % sys.version_info[:2])
    (folder / 'mmcv-2.1.0.tar.gz').unlink()
    with pytest.raises(RuntimeError, match='incomplete, missing: mmcv-2.1.0.tar.gz'):
        bundle.verify(str(folder))
    with pytest.raises(RuntimeError, match='no bundle.json: make the bundle with'):
        bundle.verify(str(tmp_path))


def test_the_linter_stays_out_of_the_bundle():
    carried, _ = bundle.select(['ruff>=0.5,<1', 'pytest>=7'], {'ruff': [], 'pytest': []}, set(), ENV)
    assert carried == {'pytest'}


def test_size_check_counts_the_working_tree_that_travels_with_the_bundle(tmp_path, monkeypatch):
    folder = tmp_path / 'b'
    folder.mkdir()
    (folder / 'x.whl').write_bytes(b'x' * (3 * bundle.MIB))
    assert bundle.check_size(str(folder), max_mib=4) == 3 * bundle.MIB  # an explicit limit: the folder alone
    with pytest.raises(RuntimeError, match=r'3\.0 MiB, over the 2\.0 MiB left by the --max-mib 2\. Biggest: x\.whl'):
        bundle.check_size(str(folder), max_mib=2)
    monkeypatch.setattr(bundle, 'tree_bytes', lambda root: 62 * bundle.MIB)
    with pytest.raises(RuntimeError, match=r'over the 2\.0 MiB left by the 64 MiB a device run carries, less the '
                                           r'working tree \(62\.0 MiB\)'):
        bundle.check_size(str(folder))


def test_bundle_and_working_tree_fit_what_a_device_run_carries():
    """The bundle as last made for the device machine (benchmarks/gpu_check_bundle.json records it;
    a real offline_bundle/ here is measured instead) and this working tree: at most 64 MiB."""
    tree = bundle.tree_bytes()
    assert 0 < tree < 8 * bundle.MIB  # the sources; work_dirs/, data/ and the bundle are ignored by git
    real = ROOT / 'offline_bundle' / 'bundle.json'
    record = real if real.is_file() else ROOT / 'benchmarks' / 'gpu_check_bundle.json'
    manifest = json.loads(record.read_text())
    size = (bundle.folder_bytes(str(real.parent)) if real.is_file()
            else manifest['total_bytes'] + record.stat().st_size + 4096)  # + bundle.json, requirements.txt
    assert size + tree <= bundle.CARRY_LIMIT_MIB * bundle.MIB
    # made for the device machine, with what the rules carry today
    assert (manifest['python'], manifest['torch']) == ('3.12', '2.11.0')
    names = [re.split(r'-\d', f)[0] for f in manifest['files']]
    assert not [n for n in names if bundle.never_bundled(n)]
    assert all(re.search(r'-(py3|py2\.py3|cp312|cp310-abi3|cp312-abi3)-', f) or f.endswith('.tar.gz')
               for f in manifest['files'])
