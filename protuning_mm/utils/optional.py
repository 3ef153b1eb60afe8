"""Optional OpenMMLab packages: import what the installed ones allow, and say what is missing.

protuning-mm serves mmpretrain, mmdet and mmseg users; a detection-only or segmentation-only install
has no mmpretrain. The classification pieces (data sets, metrics) subclass mmpretrain's, so they are
imported only where mmpretrain is installed, and using them elsewhere raises an ImportError naming
the fix instead of breaking ``import protuning_mm``.
"""
from typing import Callable, Iterable

# The range setup.py installs (see setup.py for why).
MMPRETRAIN_REQUIREMENT = 'mmpretrain>=1.2.0,<1.3'


def is_missing(error: ImportError, package: str) -> bool:
    """Whether ``error`` says that ``package`` (not something inside it) is not installed.

    Args:
        error (ImportError): The error an import raised.
        package (str): A top-level package name, e.g. ``'mmpretrain'``.

    Returns:
        bool: True for ``No module named 'mmpretrain'`` (or one of its submodules).
    """
    return isinstance(error, ModuleNotFoundError) and (error.name or '').split('.')[0] == package


def missing_names(module: str, names: Iterable[str], package: str, requirement: str) -> Callable[[str], object]:
    """A module ``__getattr__`` for names that need a package that is not installed.

    Args:
        module (str): The module's ``__name__``.
        names (Iterable[str]): The names that would exist with ``package`` installed.
        package (str): The missing package, e.g. ``'mmpretrain'``.
        requirement (str): What to ``pip install``.

    Returns:
        Callable[[str], object]: The ``__getattr__``; it raises ImportError for ``names`` and
        AttributeError for anything else (so submodule imports keep working).
    """
    names = frozenset(names)

    def __getattr__(name: str) -> object:
        if name in names:
            raise ImportError(f'{module}.{name} needs {package}, which is not installed: '
                              f'pip install "{requirement}".')
        raise AttributeError(f'module {module!r} has no attribute {name!r}')

    return __getattr__
