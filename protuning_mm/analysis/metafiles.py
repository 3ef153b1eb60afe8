"""The paper's numbers, read from ``configs/<task>/metafile.yml`` (OpenMMLab model-index format).

Every paper number the tests and ``tools/analysis_tools/param_table.py`` check lives in the metafiles,
per model (``Metadata``):

- ``Parameters``: the paper's trainable parameters for the model's ``Paper Table``, counted with a
  ``Parameters Head Classes``-way classifier where that key is given (the paper's Params† use 120).
- ``Other Parameter Counts``: further counts the paper gives for the same config in another table
  (``Paper Table``, ``Parameters``; ``Paradigm`` and ``Parameters Head Classes`` where they differ from
  the model's own), e.g. Table 7's 100-class counts of the Table 1 models.
- ``Prompt Parameters``: the prompt blocks alone (the paper's Pro-tuning total minus the linear head),
  on the Tables 1-2 Pro-tuning model of each classification backbone.

Models the paper has no numbers for (the foundation backbones, docs/foundation-backbones.md) carry
``Parameters Source: measured``: their ``Parameters`` were counted by building the config
(:func:`measured_params`), and they have no ``Paper Table``.

The metafiles are in the repository, not in the installed package: every function takes the checkout
as ``root``, or finds it above the config path (or the current directory) it is given.
"""
import functools
from pathlib import Path
from typing import Dict, NamedTuple, Optional, Union

import yaml

TASKS = ('classification', 'detection', 'segmentation')


def find_root(start: Union[str, Path, None] = None) -> Path:
    """The protuning-mm checkout at or above ``start``: the first folder holding ``configs/*/metafile.yml``.

    Args:
        start (str | Path, optional): A path inside the checkout (a config, a folder). Defaults to the
            current directory.

    Returns:
        Path: The checkout's root.

    Raises:
        FileNotFoundError: If no folder at or above ``start`` holds the metafiles.
    """
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if all((folder / 'configs' / task / 'metafile.yml').is_file() for task in TASKS):
            return folder
    raise FileNotFoundError(f'No configs/{{{",".join(TASKS)}}}/metafile.yml at or above {start}: the metafiles are '
                            'in the protuning-mm repository, not in the installed package. Run from a checkout '
                            'or pass root=<the checkout>.')


def _root(root: Union[str, Path, None], config: Union[str, Path, None] = None) -> Path:
    if root is not None:
        return Path(root).resolve()
    return find_root(config if config is not None and Path(config).is_absolute() else None)


@functools.lru_cache(None)
def _load(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f'{path} not found: pass root=<the protuning-mm checkout> (the metafiles are in '
                                'the repository, not in the installed package).')
    return yaml.safe_load(path.read_text())


def load_metafile(task: str, root: Union[str, Path, None] = None) -> dict:
    """Load one task's metafile.

    Args:
        task (str): ``'classification'``, ``'detection'`` or ``'segmentation'``.
        root (str | Path, optional): The checkout. Defaults to :func:`find_root` of the current directory.

    Returns:
        dict: The parsed YAML, with ``Collections`` and ``Models``.
    """
    return _load(_root(root) / 'configs' / task / 'metafile.yml')


def models_by_config(root: Union[str, Path, None] = None) -> Dict[str, dict]:
    """All metafile models of all tasks, keyed by their ``Config`` path (relative to the repository).

    Args:
        root (str | Path, optional): The checkout. Defaults to :func:`find_root` of the current directory.

    Returns:
        dict: Config path -> the model's metafile entry.
    """
    root = _root(root)
    return {m['Config']: m for task in TASKS for m in load_metafile(task, root)['Models']}


def _config_key(config: Union[str, Path], root: Path) -> str:
    path = Path(config)
    return (path.resolve().relative_to(root) if path.is_absolute() else path).as_posix()


def paper_params(config: Union[str, Path], table: Optional[str] = None, paradigm: Optional[str] = None,
                 root: Union[str, Path, None] = None) -> Optional[float]:
    """The paper's trainable parameters of a config, in millions.

    Args:
        config (str | Path): The config's path, relative to the repository root or absolute.
        table (str, optional): A paper table, e.g. ``'Table 7'``, for a count the paper gives in another
            table than the model's ``Paper Table`` (``Other Parameter Counts``). Defaults to None: the
            model's own ``Parameters``.
        paradigm (str, optional): The paradigm counted, where the table counts another one than the
            config's (Table 3's head retraining on the Pro-tuning config). Defaults to the config's.
        root (str | Path, optional): The checkout. Defaults to :func:`find_root` of ``config`` if it
            is absolute, else of the current directory.

    Returns:
        float | None: The count / 1e6, or None where the metafile has none (the config is not in a
        metafile, or listed without that count).
    """
    root = _root(root, config)
    model = models_by_config(root).get(_config_key(config, root))
    if model is None or is_measured(model):
        return None
    meta = model['Metadata']
    if table is None and paradigm is None:
        return meta['Parameters'] / 1e6 if 'Parameters' in meta else None
    table = table or meta['Paper Table']
    paradigm = paradigm or meta['Paradigm']
    counts = [dict(meta)] + [dict(c, Paradigm=c.get('Paradigm', meta['Paradigm']))
                             for c in meta.get('Other Parameter Counts', [])]
    found = [c['Parameters'] for c in counts
             if c['Paper Table'] == table and c['Paradigm'] == paradigm and 'Parameters' in c]
    if len(found) > 1:
        raise ValueError(f'{model["Name"]}: {len(found)} {paradigm} counts for {table} in the metafile.')
    return found[0] / 1e6 if found else None


def is_measured(model: dict) -> bool:
    """Whether a metafile model's ``Parameters`` are our measurement, not a paper number."""
    return model['Metadata'].get('Parameters Source') == 'measured'


def measured_params(config: Union[str, Path], root: Union[str, Path, None] = None) -> Optional[int]:
    """The trainable parameters measured for a config the paper has no number for.

    Args:
        config (str | Path): The config's path, relative to the repository root or absolute.
        root (str | Path, optional): The checkout. Defaults to :func:`find_root` of ``config`` if it
            is absolute, else of the current directory.

    Returns:
        int | None: The exact count, or None where the config is not listed as measured.
    """
    root = _root(root, config)
    model = models_by_config(root).get(_config_key(config, root))
    return model['Metadata']['Parameters'] if model is not None and is_measured(model) else None


class PromptTarget(NamedTuple):
    config: str  # the Pro-tuning config whose metafile entry holds the count (its inner backbone is built)
    params: float  # the paper's prompt-block parameters, in millions


def prompt_params(root: Union[str, Path, None] = None) -> Dict[str, PromptTarget]:
    """The paper's prompt-block parameters per classification backbone (``Prompt Parameters``).

    Args:
        root (str | Path, optional): The checkout. Defaults to :func:`find_root` of the current directory.

    Returns:
        dict: Backbone (the config folder, e.g. ``'resnet50'``) -> its config and count, in the
        metafile's order.
    """
    targets = {}
    for model in load_metafile('classification', root)['Models']:
        if 'Prompt Parameters' in model['Metadata']:
            backbone = Path(model['Config']).parent.name
            if backbone in targets:
                raise ValueError(f'Prompt Parameters for {backbone} twice in the metafile: {model["Name"]}.')
            targets[backbone] = PromptTarget(model['Config'], model['Metadata']['Prompt Parameters'] / 1e6)
    return targets
