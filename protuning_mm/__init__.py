"""protuning-mm: Pro-tuning (prompt tuning of frozen vision backbones) for OpenMMLab.

Importing this package (e.g. through ``custom_imports = dict(imports=['protuning_mm'])``)
registers ``ProTuningBackbone``, ``PromptBlock`` and the hooks in the root mmengine registries,
where mmpretrain, mmdet and mmseg configs all find them, and lets ``torch.load`` read the
checkpoints mmengine writes (see ``utils/checkpoint_compat.py``). The classification data sets and
metrics are registered too where mmpretrain is installed; an mmdet-only or mmseg-only install
imports without it (``utils/optional.py``).
"""
from .utils import checkpoint_io  # noqa: F401  (registers the 'atomic_local' file backend)
from .utils.checkpoint_compat import allow_mmengine_checkpoints
from .version import __version__

allow_mmengine_checkpoints()

from . import datasets, evaluation  # noqa: E402,F401  (register what the installed packages allow)
from .adapters import get_adapter, register_adapter, supported_backbones  # noqa: E402
from .apis import MultiTaskInferencer  # noqa: E402,F401
from .engine import ParamReportHook, param_report  # noqa: E402
from .models import PromptBlock, ProTuningBackbone  # noqa: E402


def __getattr__(name: str) -> object:
    # CIFAR10LT/CIFAR100LT need mmpretrain: looked up late, so that without it only using them fails
    # (with the ImportError that names the fix), not ``import protuning_mm``.
    if name in ('CIFAR10LT', 'CIFAR100LT'):
        return getattr(datasets, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')

__all__ = [
    '__version__', 'ProTuningBackbone', 'PromptBlock', 'ParamReportHook', 'param_report',
    'get_adapter', 'register_adapter', 'supported_backbones', 'allow_mmengine_checkpoints',
    'CIFAR10LT', 'CIFAR100LT'
]
