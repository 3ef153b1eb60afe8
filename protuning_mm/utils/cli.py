"""Helpers the command-line tools share."""
import os.path as osp
import sys
from typing import Callable, Optional

from mmengine.config import Config
from mmengine.utils import import_modules_from_strings

from .checkpoint_io import CheckpointError


def merge_cfg_options(cfg: Config, options: Optional[dict]) -> Config:
    """Merge ``--cfg-options`` into ``cfg`` and import a ``custom_imports`` they change.

    mmengine imports ``custom_imports`` inside ``Config.fromfile``, before any override is
    merged, so ``--cfg-options custom_imports.imports=[protuning_mm,my_plugin]`` would otherwise
    be silently ignored and the config's plugin types would not be registered when the Runner
    builds them. Modules already imported are not imported twice (Python caches them).

    Args:
        cfg (Config): The loaded config; changed in place.
        options (dict, optional): The parsed ``--cfg-options`` (``DictAction``). Defaults to None.

    Returns:
        Config: ``cfg``.

    Raises:
        ImportError: If a module cannot be imported and ``allow_failed_imports`` is not set.
    """
    if not options:
        return cfg
    before = cfg.get('custom_imports')
    cfg.merge_from_dict(options)
    after = cfg.get('custom_imports')
    if after and after != before:
        if not isinstance(after, dict) or 'imports' not in after:
            raise ValueError(f'custom_imports must be a dict with an "imports" list, got {after!r}; e.g. '
                             '--cfg-options "custom_imports.imports=[protuning_mm,my_plugin]".')
        import_modules_from_strings(after['imports'], after.get('allow_failed_imports', False))
    return cfg


def config_paradigm(cfg: Config) -> Optional[str]:
    """The paradigm of a config's ``ProTuningBackbone`` (``model.backbone.paradigm``), if it has one.

    Args:
        cfg (Config): A loaded config.

    Returns:
        str, optional: The paradigm, or None for a config without one (a plain upstream model).
    """
    backbone = (cfg.get('model') or {}).get('backbone')
    return backbone.get('paradigm') if isinstance(backbone, dict) else None


def resolve_work_dir(cfg: Config, config_path: str, cli_work_dir: Optional[str],
                     file_paradigm: Optional[str]) -> str:
    """The work directory a tool runs in: ``--work-dir`` > the config's ``work_dir`` > a default.

    The default is ``./work_dirs/<config name>``, plus ``_paradigm-<X>`` when ``--cfg-options``
    changed ``model.backbone.paradigm`` from the file's, so that e.g. the head-retraining run of a
    Pro-tuning config neither shares nor auto-resumes (``--resume``) the Pro-tuning run's checkpoints.

    Args:
        cfg (Config): The config, with ``--cfg-options`` merged.
        config_path (str): The config file given on the command line.
        cli_work_dir (str, optional): ``--work-dir``, or None.
        file_paradigm (str, optional): ``config_paradigm`` of the config before ``--cfg-options``.

    Returns:
        str: The work directory.
    """
    if cli_work_dir is not None:
        return cli_work_dir
    if cfg.get('work_dir', None) is not None:
        return cfg.work_dir
    name = osp.splitext(osp.basename(config_path))[0]
    paradigm = config_paradigm(cfg)
    if paradigm != file_paradigm:
        name += f'_paradigm-{paradigm}'
    return osp.join('./work_dirs', name)


def run_main(main: Callable[[], None]) -> None:
    """Run a tool's ``main``; a broken checkpoint ends it with one clear line, not a traceback.

    Args:
        main (Callable[[], None]): The tool's entry point.

    Raises:
        SystemExit: With status 1 and ``<tool>: error: <message>`` on a :class:`CheckpointError`.
    """
    try:
        main()
    except CheckpointError as e:
        raise SystemExit(f'{sys.argv[0]}: error: {e}') from None
