"""Helpers the command-line tools share."""
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
