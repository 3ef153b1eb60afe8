"""Fail fast when mmcv's compiled ops cannot run on the device a run trains or tests on.

An mmcv built without CUDA ops (or for other GPU architectures, or against another torch) imports
fine and only fails inside the first detection step, minutes into a run, with
``nms_impl: implementation for device cuda:0 not found``. ``tools/train.py`` and ``tools/test.py``
call :func:`check_mmcv_ops` before building the runner: when the config's model uses mmcv ops
(``RoIAlign``, ``nms``, deformable convolutions, ...) and the run is on a GPU, a tiny ``nms`` and
``RoIAlign`` run on that GPU first, and a failure stops the run with the reinstall command.

This file imports nothing from protuning_mm, so ``tools/install_flavour.py`` can load it by path
to check an installed mmcv before protuning-mm is installed.
"""
import os
import os.path as osp
from typing import Any, List, Optional, Set, Tuple

# Registry names of mmcv ops that are not attributes of ``mmcv.ops`` under the same name.
_REGISTERED_ALIASES = {'MMSyncBN': 'SyncBatchNorm', 'DCN': 'DeformConv2dPack', 'DCNv2': 'ModulatedDeformConv2dPack'}


class MmcvOpsError(RuntimeError):
    """mmcv's compiled ops do not run on the run's device; the message gives the reinstall command."""


def _to_device(tensor: Any, device: str) -> Any:
    """Move a probe input to ``device`` (a seam: tests fake a GPU by keeping the inputs on CPU)."""
    return tensor.to(device)


def ops_problem(device: str) -> Optional[str]:
    """Run a tiny ``nms`` and ``RoIAlign`` on ``device``.

    Every kernel of mmcv's extension is compiled in one build with one architecture list, so two
    ops that dispatch through its device registry show whether the build has code for the device.

    Args:
        device (str): E.g. ``'cpu'`` or ``'cuda:0'``.

    Returns:
        str | None: mmcv's error message if an op failed (or the extension did not load), else None.
    """
    try:
        import torch
        from mmcv.ops import RoIAlign, nms
        boxes = _to_device(torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.]]), device)
        scores = _to_device(torch.tensor([0.9, 0.8]), device)
        nms(boxes, scores, 0.5)
        feats = _to_device(torch.arange(16.).reshape(1, 1, 4, 4), device)
        rois = _to_device(torch.tensor([[0., 0., 0., 3., 3.]]), device)
        RoIAlign((2, 2), 1.0, 0)(feats, rois)
        if str(device).startswith('cuda'):
            torch.cuda.synchronize(device)  # a kernel that cannot launch reports it here
    except (ImportError, OSError, RuntimeError) as err:  # what a missing or wrong build raises
        return f'{type(err).__name__}: {str(err).strip()}'
    return None


def _types(node: Any, found: Set[str]) -> Set[str]:
    if isinstance(node, dict):
        value = node.get('type')
        if isinstance(value, str):
            found.add(value.split('.')[-1])  # 'mmdet.RoIAlign' -> 'RoIAlign'
        elif isinstance(value, type) or callable(value):
            found.add(getattr(value, '__name__', ''))
        for child in node.values():
            _types(child, found)
    elif isinstance(node, (list, tuple)):
        for child in node:
            _types(child, found)
    return found


def config_mmcv_ops(cfg: Any) -> List[str]:
    """The mmcv compiled ops a model config names (``type='RoIAlign'``, ``nms=dict(type='nms')``...).

    A type counts when ``mmcv.ops`` defines it in one of its own modules, except the deprecated
    plain-layer wrappers (``Conv2d``, ``Linear``, ...) it also exports, which need no compiled code.

    Args:
        cfg: A run config (its ``model`` is scanned) or a model config (dicts and lists).

    Returns:
        list[str]: The op type names found, sorted.

    Raises:
        MmcvOpsError: If ``mmcv.ops`` itself does not import (the compiled extension is missing
            or was built against another torch).
    """
    try:
        import mmcv.ops
    except (ImportError, OSError) as err:
        raise MmcvOpsError(f"mmcv's compiled ops do not load: {err}\n{reinstall_hint(None)}") from err
    model = cfg.get('model', cfg) if hasattr(cfg, 'get') else cfg
    ops = []
    for name in sorted(_types(model, set())):
        module = getattr(getattr(mmcv.ops, _REGISTERED_ALIASES.get(name, name), None), '__module__', '')
        if module.startswith('mmcv.ops.') and module != 'mmcv.ops.deprecated_wrappers':
            ops.append(name)
    return ops


def built_without_ops() -> bool:
    """Whether the installed mmcv is a build without compiled ops (``PROTUNING_MMCV_FLAVOUR=lite``),
    whose ``mmcv._ext`` is the stand-in ``tools/mmcv_ext_stub.py``."""
    try:
        from mmcv import _ext
    except (ImportError, OSError):
        return False
    return getattr(_ext, 'WITHOUT_OPS', False) is True


def _cause(problem: str) -> str:
    if 'built without its compiled ops' in problem:
        return 'this mmcv was built without compiled ops (PROTUNING_MMCV_FLAVOUR=lite)'
    if 'implementation for device' in problem and 'not found' in problem:
        return 'this mmcv was compiled without CUDA ops (a CPU-only build)'
    if 'no kernel image is available' in problem:
        return ("this mmcv has no code for this GPU's architecture (it was built for other GPUs: "
                'TORCH_CUDA_ARCH_LIST)')
    if 'undefined symbol' in problem or problem.startswith(('ImportError', 'OSError')):
        return "mmcv's compiled extension does not load (built against another torch?)"
    return "mmcv's compiled ops failed on this device"


def reinstall_hint(device: Optional[str]) -> str:
    """The commands that rebuild mmcv for this machine, with the folder its wheel is kept in."""
    import torch
    root = os.environ.get('PROTUNING_WHEEL_DIR') or osp.join(osp.expanduser('~'), '.cache', 'protuning-mm', 'wheels')
    release = torch.__version__.split('+')[0]
    folder = f'{root}/torch-{release}-cpu/'
    if device and str(device).startswith('cuda') and torch.version.cuda:
        sm = ''.join(map(str, _gpu(device)[1] or ('<XY>', )))
        folder = f'{root}/torch-{release}-cu{torch.version.cuda.replace(".", "")}-sm{sm}/'
    needs = f' (needs nvcc from the CUDA {torch.version.cuda} toolkit)' if torch.version.cuda else ''
    return ('Rebuild mmcv for this machine' + needs + ':\n'
            '    python3 -m pip uninstall -y mmcv\n'
            '    PROTUNING_MMCV_FLAVOUR=auto bash tools/install.sh\n'
            'install.sh refuses an mmcv whose ops do not run on the visible GPUs and builds one with CUDA ops '
            f'into {folder} (a kept wheel there that does not run is deleted and rebuilt). '
            f'To drop every kept build for this torch: rm -rf {root}/torch-{release}-*/')


def check_mmcv_ops(cfg: Any, device: Optional[str] = None) -> List[str]:
    """Stop a run early if the model needs mmcv ops that cannot run on its GPU.

    Does nothing when the model uses no mmcv ops (a ResNet classifier, UperNet), nor on CPU with
    compiled ops (their CPU kernels are always built). An mmcv built without ops (``lite``) is
    stopped on any device.

    Args:
        cfg: The run config (its ``model`` is scanned), or a model config.
        device (str | None): Device to check; by default the one this process trains on
            (``cuda:$LOCAL_RANK`` when a GPU is available, else CPU).

    Returns:
        list[str]: The mmcv ops the model uses (checked on ``device`` if it is a GPU).

    Raises:
        MmcvOpsError: With mmcv's message, the likely cause and the reinstall command.
    """
    ops = config_mmcv_ops(cfg)
    device = device or _training_device()
    if not ops or not (str(device).startswith('cuda') or built_without_ops()):
        return ops
    problem = ops_problem(device)
    if problem:
        name, capability = _gpu(device)
        what = f' ({name}, sm_{"".join(map(str, capability))})' if capability else ''
        raise MmcvOpsError(
            f"mmcv's compiled ops cannot run on {device}{what}, and this model uses {', '.join(ops)}: "
            f'{_cause(problem)}.\n  mmcv said: {problem}\n{reinstall_hint(device)}')
    return ops


def _gpu(device: str) -> Tuple[str, Optional[Tuple[int, int]]]:
    """Name and compute capability of a CUDA device, ``('GPU', None)`` if they cannot be read."""
    import torch
    try:
        return torch.cuda.get_device_name(device), tuple(torch.cuda.get_device_capability(device))
    except (RuntimeError, AssertionError, ValueError):  # no driver, or a broken CUDA set-up
        return 'GPU', None


def _training_device() -> str:
    """``cuda:<LOCAL_RANK>`` when torch sees a GPU (what mmengine trains each rank on), else ``cpu``."""
    import torch
    if not torch.cuda.is_available():
        return 'cpu'
    return f'cuda:{int(os.environ.get("LOCAL_RANK", 0)) % torch.cuda.device_count()}'
