"""DDP for CPU processes (gloo): SyncBN layers become BN before the model is wrapped.

torch's ``SyncBatchNorm`` runs only on GPUs, and mmengine's Runner keeps SyncBN whenever it trains
distributed (it reverts SyncBN to BN only for a single process). mmseg's configs use SyncBN in
their heads, so ``bash tools/dist_train.sh`` on a CPU machine would fail at the first forward.
:func:`setup_cpu_distributed` (called by ``tools/train.py`` and ``tools/test.py``) selects this
wrapper when it starts a gloo process group without an accelerator; with GPUs nothing changes and
SyncBN stays.
"""
import datetime
import gc
from typing import Optional, Sequence

import torch.distributed as torch_dist
import torch.nn as nn
from mmengine.config import Config
from mmengine.device import is_cuda_available, is_mlu_available, is_musa_available, is_npu_available
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


def setup_cpu_distributed(cfg: Config, launcher: str) -> None:
    """Make ``--launcher pytorch`` work on a machine without CUDA (gloo backend, CPU DDP).

    mmengine 0.10.7 assumes a GPU per rank: ``init_dist('pytorch')`` calls
    ``torch.cuda.set_device`` and its default DDP wrapper passes ``device_ids=[LOCAL_RANK]``.
    ``Runner.setup_env`` skips ``init_dist`` when a process group already exists, and a
    ``model_wrapper_cfg`` with ``device_ids=None`` gives CPU DDP, so both are set up here. The
    default wrapper becomes :class:`~protuning_mm.engine.CPUDistributedDataParallel`, which reverts
    SyncBN to BN before wrapping (mmengine keeps SyncBN when distributed; it needs a GPU).
    Does nothing when not distributed or when an accelerator is present.

    Args:
        cfg (Config): The config; its ``model_wrapper_cfg`` is set (``find_unused_parameters``
            and other options of an existing one are kept).
        launcher (str): The ``--launcher`` argument.
    """
    if launcher == 'none' or is_cuda_available() or is_npu_available() or is_mlu_available() \
            or is_musa_available():
        return
    if launcher != 'pytorch':
        raise RuntimeError(
            f'--launcher {launcher} needs a GPU per process (mmengine calls torch.cuda.set_device). '
            'Without one, start the processes with torchrun, e.g. `bash tools/dist_train.sh CONFIG N`, '
            'which uses --launcher pytorch and then the gloo backend.')
    if not torch_dist.is_initialized():
        dist_cfg = dict(cfg.get('env_cfg', {}).get('dist_cfg', {}))
        if dist_cfg.get('backend', 'gloo') != 'gloo':
            print(f'No GPU: using the gloo backend instead of {dist_cfg["backend"]!r}.')
        kwargs = {}
        if dist_cfg.get('timeout') is not None:
            kwargs['timeout'] = datetime.timedelta(seconds=dist_cfg['timeout'])
        torch_dist.init_process_group(backend='gloo', **kwargs)  # RANK, WORLD_SIZE, MASTER_* from torchrun
    wrapper_cfg = dict(cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False)))
    wrapper_cfg.setdefault('type', 'MMDistributedDataParallel')
    if wrapper_cfg['type'] in ('MMDistributedDataParallel', MMDistributedDataParallel):
        # The same DDP, but SyncBN (mmseg's heads) is reverted to BN first: it needs a GPU.
        wrapper_cfg['type'] = 'CPUDistributedDataParallel'
    wrapper_type = MODEL_WRAPPERS.get(wrapper_cfg['type'])
    if isinstance(wrapper_type, type) and issubclass(wrapper_type, nn.parallel.DistributedDataParallel):
        wrapper_cfg['device_ids'] = None  # a CPU module: DDP rejects device ids
    cfg.model_wrapper_cfg = wrapper_cfg


def finish_distributed() -> None:
    """Let every rank reach the end, then destroy the process group while the interpreter is whole.

    Call it after dropping the runner (``del runner``). A rank whose gloo group is still alive when the
    interpreter shuts down can abort there ("terminate called without an active exception"): with only a
    barrier first, a minimal torchrun script (2 ranks, a DDP model left alive) aborted in 2 of 50 runs.
    The DDP wrapper keeps a reference to the group, so ``destroy_process_group`` alone does not destroy
    it; collecting the dropped runner's reference cycles here releases the wrapper, and the group (and
    its threads) goes with ``destroy_process_group``: 0 of 75 runs aborted.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        gc.collect()
        torch_dist.barrier()
        torch_dist.destroy_process_group()
