"""The paper's numbers per config, read from ``configs/<task>/metafile.yml`` (OpenMMLab model-index).

The tests take the paper's trainable-parameter counts from here, so that every paper number a test
checks lives in one place: the metafiles.
"""
import functools
from pathlib import Path
from typing import Dict, Optional

import yaml

ROOT = Path(__file__).resolve().parents[1]
TASKS = ('classification', 'detection', 'segmentation')


@functools.lru_cache(None)
def load_metafile(task: str) -> dict:
    """Load one task's metafile.

    Args:
        task (str): ``'classification'``, ``'detection'`` or ``'segmentation'``.

    Returns:
        dict: The parsed YAML, with ``Collections`` and ``Models``.
    """
    return yaml.safe_load((ROOT / 'configs' / task / 'metafile.yml').read_text())


@functools.lru_cache(None)
def models_by_config() -> Dict[str, dict]:
    """All metafile models of all tasks, keyed by their ``Config`` path (relative to the repository).

    Returns:
        dict: Config path -> the model's metafile entry.
    """
    return {m['Config']: m for task in TASKS for m in load_metafile(task)['Models']}


def paper_params(config: str) -> Optional[float]:
    """The paper's trainable parameters of a config, in millions.

    Args:
        config (str | Path): The config's path, relative to the repository root or absolute.

    Returns:
        float | None: The metafile's ``Parameters`` / 1e6, or None where the config has no paper
        count (not in a metafile, or listed without ``Parameters``).
    """
    path = Path(config)
    rel = (path.relative_to(ROOT) if path.is_absolute() else path).as_posix()
    model = models_by_config().get(rel)
    if model is None or 'Parameters' not in model['Metadata']:
        return None
    return model['Metadata']['Parameters'] / 1e6
