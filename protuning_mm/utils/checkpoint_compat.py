"""Let torch >= 2.6 load the checkpoints mmengine 0.10.7 writes, without disabling safe loading.

torch >= 2.6 defaults ``torch.load(weights_only=True)``; mmengine 0.10.7 does not pass the argument,
so ``--resume`` and ``tools/test.py`` fail on the runner's own checkpoints ("Unsupported global:
mmengine.logging.history_buffer.HistoryBuffer"): the message hub's state holds HistoryBuffer
objects, numpy arrays/scalars, and ``builtins.getattr`` (a HistoryBuffer pickles its
``statistics_methods`` dict of bound methods as ``getattr(buffer, 'min')``). Rather than setting
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` (which turns the protection off for every load), exactly
those globals are allow-listed. Allowing ``getattr`` is bounded: torch's restricted unpickler only
*calls* allow-listed functions, so what getattr returns can be stored but never invoked.
"""
from typing import List

import numpy as np
import torch


def _numpy_globals() -> List[object]:
    """numpy objects that pickled arrays, dtypes and scalars reference."""
    try:  # numpy >= 2 moved the implementation to numpy._core
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [type(np.dtype(t)) for t in np.sctypeDict.values()]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *sorted(set(dtype_classes), key=str)]


def mmengine_checkpoint_globals() -> List[object]:
    """The non-tensor globals found in checkpoints written by mmengine's Runner."""
    from mmengine.logging.history_buffer import HistoryBuffer
    return [HistoryBuffer, getattr, *_numpy_globals()]


def allow_mmengine_checkpoints() -> None:
    """Allow-list :func:`mmengine_checkpoint_globals` for ``torch.load(weights_only=True)``."""
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:  # torch < 2.4 has no weights_only default to work around
        add(mmengine_checkpoint_globals())
