"""protuning-mm: Pro-tuning (prompt tuning of frozen vision backbones) for OpenMMLab.

Importing this package (e.g. through ``custom_imports = dict(imports=['protuning_mm'])``)
registers ``ProTuningBackbone``, ``PromptBlock`` and the hooks in the root mmengine registries,
where mmpretrain, mmdet and mmseg configs all find them, and lets ``torch.load`` read the
checkpoints mmengine writes (see ``utils/checkpoint_compat.py``). It does not import mmpretrain, so
that mmdet and mmseg users do not pay for it (nor need it installed): the classification data sets
and metrics subclass mmpretrain's and are registered by ``protuning_mm.classification``, which
classification configs add to ``custom_imports`` (and which is imported here too where mmpretrain
is imported already).
"""
import sys

from .utils import checkpoint_io  # noqa: F401  (registers the 'atomic_local' file backend)
from .utils.checkpoint_compat import allow_mmengine_checkpoints
from .version import __version__

allow_mmengine_checkpoints()

# accel attaches the speed-up layer to the wrapper; datasets registers CheckSegLabels (the classification names
# load lazily)
from . import accel, datasets, evaluation  # noqa: E402,F401
from .adapters import get_adapter, register_adapter, supported_backbones  # noqa: E402
from .apis import MultiTaskInferencer  # noqa: E402,F401
from .engine import ParamReportHook, param_report  # noqa: E402
from .models import PromptBlock, ProTuningBackbone  # noqa: E402

if 'mmpretrain' in sys.modules:  # a classification user: register our data sets and metrics too
    from . import classification  # noqa: E402,F401


__all__ = [
    '__version__', 'ProTuningBackbone', 'PromptBlock', 'ParamReportHook', 'param_report',
    'get_adapter', 'register_adapter', 'supported_backbones', 'allow_mmengine_checkpoints'
]
