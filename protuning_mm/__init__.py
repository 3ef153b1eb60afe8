"""protuning-mm: Pro-tuning (prompt tuning of frozen vision backbones) for OpenMMLab.

Importing this package (e.g. through ``custom_imports = dict(imports=['protuning_mm'])``)
registers ``ProTuningBackbone``, ``PromptBlock`` and the hooks in the root mmengine registries,
where mmpretrain, mmdet and mmseg configs all find them, and lets ``torch.load`` read the
checkpoints mmengine writes (see ``utils/checkpoint_compat.py``). It also registers our
classification data sets and metrics in mmpretrain's registries (they subclass mmpretrain's, which
is a requirement: mmdet's and mmseg's model packages import it too where it is installed).
"""
from .utils import checkpoint_io  # noqa: F401  (registers the 'atomic_local' file backend)
from .utils.checkpoint_compat import allow_mmengine_checkpoints
from .version import __version__

allow_mmengine_checkpoints()

# accel attaches the speed-up layer to the wrapper (which never imports it); datasets and evaluation register
# the data sets, CheckSegLabels and the metrics
from . import accel, datasets, evaluation  # noqa: E402,F401
from .adapters import get_adapter, register_adapter, supported_backbones  # noqa: E402
from .apis import MultiTaskInferencer  # noqa: E402,F401
from .engine import ParamReportHook, param_report  # noqa: E402
from .models import PromptBlock, ProTuningBackbone  # noqa: E402

__all__ = [
    '__version__', 'ProTuningBackbone', 'PromptBlock', 'ParamReportHook', 'param_report',
    'get_adapter', 'register_adapter', 'supported_backbones', 'allow_mmengine_checkpoints'
]
