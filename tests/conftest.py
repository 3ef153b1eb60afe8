import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_tool(*args: str, cwd: Path = ROOT, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run a script (``tools/train.py``, ...) in a fresh interpreter, as a user would."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='2')
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f'{" ".join(args)} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}')
    return proc


def load_tool(name: str) -> ModuleType:
    """Import ``tools/<name>.py`` as a module (to call its ``main`` with patched parts)."""
    sys.path.insert(0, str(ROOT / 'tools'))  # tools/test.py may import tools/train.py
    try:
        spec = importlib.util.spec_from_file_location(f'_tool_{name}', ROOT / 'tools' / f'{name}.py')
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / 'tools'))


@pytest.fixture
def root() -> Path:
    return ROOT
