"""Optional OpenMMLab packages: import what the installed ones allow, and say what is missing.

protuning-mm serves mmpretrain, mmdet and mmseg users; a detection-only or segmentation-only install
has no mmpretrain. The classification pieces (data sets, metrics) subclass mmpretrain's, so
``import protuning_mm`` does not import them (nor mmpretrain): :mod:`protuning_mm.classification`
registers them, and their names load on first use. Without mmpretrain, using them raises an
ImportError naming the fix instead of breaking ``import protuning_mm``.
"""
import importlib
from typing import Callable, Dict

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


def lazy_names(module: str, names: Dict[str, str], package: str, requirement: str) -> Callable[[str], object]:
    """A module ``__getattr__`` that imports ``names`` from their submodules on first use.

    The submodules need ``package``; importing them only when one of their names is asked for keeps
    ``package`` out of ``sys.modules`` for users who never ask (an mmdet or mmseg user of
    ``import protuning_mm`` does not import mmpretrain).

    Args:
        module (str): The package's ``__name__``.
        names (dict): Name -> the submodule (relative to ``module``) that defines it.
        package (str): The package the submodules need, e.g. ``'mmpretrain'``.
        requirement (str): What to ``pip install`` where ``package`` is missing.

    Returns:
        Callable[[str], object]: The ``__getattr__``. It returns the name from its submodule, raises
        an ImportError naming the fix where ``package`` is not installed, and AttributeError for
        anything else (so that importing a submodule keeps working).
    """

    def __getattr__(name: str) -> object:
        if name not in names:
            raise AttributeError(f'module {module!r} has no attribute {name!r}')
        try:
            submodule = importlib.import_module(f'{module}.{names[name]}')
        except ImportError as error:
            if not is_missing(error, package):
                raise
            raise ImportError(f'{module}.{name} needs {package}, which is not installed: '
                              f'pip install "{requirement}".') from error
        return getattr(submodule, name)

    return __getattr__
