"""DDP for CPU processes (gloo): SyncBN layers become BN before the model is wrapped.

torch's ``SyncBatchNorm`` runs only on GPUs, and mmengine's Runner keeps SyncBN whenever it trains
distributed (it reverts SyncBN to BN only for a single process). mmseg's configs use SyncBN in
their heads, so ``bash tools/dist_train.sh`` on a CPU machine would fail at the first forward.
``tools/train.py``/``tools/test.py`` (``setup_cpu_distributed``) select this wrapper when they start
a gloo process group without an accelerator; with GPUs nothing changes and SyncBN stays.
"""
from typing import Optional, Sequence

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmengine.registry import MODEL_WRAPPERS


def _sync_bn_types() -> tuple:
    """The SyncBN classes :func:`mmengine.model.revert_sync_batchnorm` replaces."""
    types = [nn.SyncBatchNorm]
    try:
        from mmcv.ops import SyncBatchNorm as MMSyncBN
        types.append(MMSyncBN)
    except ImportError:  # mmcv without compiled ops: only torch's SyncBN exists
        pass
    return tuple(types)


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """:class:`~mmengine.model.MMDistributedDataParallel` for CPU processes (gloo backend).

    Before wrapping, every SyncBN layer (torch's and mmcv's) is reverted to BatchNorm with
    mmengine's :func:`~mmengine.model.revert_sync_batchnorm`, which keeps the same parameter and
    buffer objects, so frozen layers stay frozen and prompt hooks stay attached. Each process then
    normalises over its own batch, as one process would; the BN statistics a checkpoint holds are
    rank 0's (the trained parameters stay identical across ranks: DDP averages their gradients).

    Args:
        module (nn.Module): The model to wrap (on CPU).
        device_ids (Sequence[int], optional): Must be None: a CPU module has no device ids.
            Defaults to None.
        **kwargs: Passed to :class:`~mmengine.model.MMDistributedDataParallel`
            (``find_unused_parameters``, ``broadcast_buffers``, ...).

    Raises:
        ValueError: If ``device_ids`` is given.
    """

    def __init__(self, module: nn.Module, device_ids: Optional[Sequence[int]] = None, **kwargs) -> None:
        if device_ids is not None:
            raise ValueError(f'CPUDistributedDataParallel wraps a CPU module; got device_ids={device_ids}. '
                             'Use MMDistributedDataParallel on GPUs.')
        num_sync = sum(isinstance(m, _sync_bn_types()) for m in module.modules())
        if num_sync:
            module = revert_sync_batchnorm(module)
            print_log(f'No GPU: reverted {num_sync} SyncBN layer(s) to BatchNorm before DDP (torch\'s '
                      'SyncBatchNorm needs a GPU); each process normalises over its own batch.',
                      logger='current')
        super().__init__(module=module, device_ids=None, **kwargs)
