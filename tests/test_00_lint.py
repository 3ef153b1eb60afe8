"""The linter runs first (the file name sorts first): ruff's E/W/F checks and import order (pyproject.toml).

CI runs ``python3 -m pytest tests``, so a lint error fails CI here, with ruff's report in the message.
Fix it with ``ruff check --fix .`` (imports) or by hand; see pyproject.toml for the rules.
"""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]



def test_ruff_check_passes():
    # `python -m ruff` works where pip put ruff's package but not its script on PATH.
    command = [shutil.which('ruff')] if shutil.which('ruff') else [sys.executable, '-m', 'ruff']
    proc = subprocess.run([*command, 'check', '--no-cache', '.'], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert 'No module named ruff' not in proc.stderr, (
        'ruff is not installed: pip install -e ".[tests]" (or pip install "ruff>=0.5,<1").')
    assert proc.returncode == 0, f'ruff check . found problems (fix with `ruff check --fix .`):\n{proc.stdout}{proc.stderr}'
