"""Fixtures shared by the test modules (the data generators are in :mod:`protuning_mm.testing`).

The repository root is on ``sys.path`` (``pythonpath`` in pyproject.toml's pytest settings), so tests
import ``tools.train`` or ``benchmarks.gpu_check`` as modules.
"""
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run_tool(*args: str, cwd: Path = ROOT, timeout: int = 900) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='2')
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f'{" ".join(args)} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}')
    return proc


@pytest.fixture(scope='session')
def run_tool() -> Callable[..., subprocess.CompletedProcess]:
    """Run a script (``tools/train.py``, ...) in a fresh interpreter from the repository root, as a user
    would: ``run_tool(*args, cwd=ROOT, timeout=900)``, raising with the output's tail when it fails."""
    return _run_tool


@pytest.fixture(scope='session')
def tiny_run(tmp_path_factory) -> Callable[..., dict]:
    """:func:`protuning_mm.testing.tiny_run` on the repository's runtime base, cached for the session:
    ``tiny_run(name, **tiny_config_kwargs)``."""
    from protuning_mm.testing import tiny_run as train
    root = tmp_path_factory.getbasetemp() / 'tiny_runs'
    return lambda name, **kwargs: train(root, name, ROOT / 'configs/_base_/protuning_runtime.py', **kwargs)
