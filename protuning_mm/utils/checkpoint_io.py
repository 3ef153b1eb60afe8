"""Checkpoint files that fail loudly when broken, and are never left half-written.

Reading: :func:`load_checkpoint_file` is the one loader the tools use (``tools/test.py``,
``tools/infer.py``, ``merge_delta.py``, ``publish_model.py``, ``--resume``). torch reports an empty
file as a bare ``EOFError``, a truncated one as a zip-reader ``RuntimeError`` and a text file as a
``KeyError``; here each becomes a :class:`CheckpointError` naming the file and what is wrong.

Writing: :func:`atomic_write` writes to a temporary file in the target's folder, fsyncs it and
renames it over the target (``os.replace`` is atomic on POSIX and Windows), so a crash mid-write
leaves the previous file (or none), never a half file under the final name.
:class:`AtomicLocalBackend` (``backend_args=dict(backend='atomic_local')``) gives mmengine's
``CheckpointHook`` the same guarantee.

Resuming: :func:`resolve_resume_checkpoint` picks what ``--resume`` loads: the checkpoint
``last_checkpoint`` points at if it loads, else the newest older checkpoint in the work dir that
does (saying so), else a :class:`CheckpointError` naming the broken file and the fix.
"""
import os
import os.path as osp
import pickle
import re
import tempfile
import zipfile
from typing import Any, BinaryIO, Callable, Dict, List, Optional, Union

import torch
from mmengine.fileio import LocalBackend, register_backend

ZIP_MAGIC = b'PK\x03\x04'  # torch.save's default (zip) format
PICKLE_MAGIC = b'\x80'  # torch's legacy format starts with a pickle protocol opcode
_STEP = re.compile(r'^(?:epoch|iter)_(\d+)\.pth$')  # CheckpointHook's default filename_tmpl


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used; the message names the file and what is wrong."""


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f'{type(error).__name__}: {text[0] if text else ""}'


def load_checkpoint_file(path: str, map_location: Union[str, torch.device] = 'cpu') -> Dict[str, Any]:
    """Load a checkpoint with ``torch.load`` (safe loading, as mmengine does) or say what is wrong.

    A dict with a ``'state_dict'`` (mmengine's layout, deltas included) or a bare state dict
    (every value a tensor, which mmengine's loaders also accept) is a checkpoint.

    Args:
        path (str): Local path of the file.
        map_location (str | torch.device): Where tensors go. Defaults to ``'cpu'``.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        CheckpointError: The file does not exist, is empty, is truncated or corrupt, is not a
            torch checkpoint, or holds no ``'state_dict'``; the message names the file.
    """
    if not osp.isfile(path):
        raise CheckpointError(f'Checkpoint {path} does not exist (or is not a file).')
    size = osp.getsize(path)
    if size == 0:
        raise CheckpointError(f'Checkpoint {path} is empty (0 bytes): its write was interrupted or the '
                              'copy failed. Use another checkpoint, or copy/train it again.')
    with open(path, 'rb') as f:
        head = f.read(4)
    if head != ZIP_MAGIC and not head.startswith(PICKLE_MAGIC):
        raise CheckpointError(f'{path} is not a torch checkpoint (it starts with {head!r}, not a zip archive '
                              'or pickle as torch.save writes). Pass the .pth file the training run saved.')
    try:
        checkpoint = torch.load(path, map_location=map_location)
    except pickle.UnpicklingError as e:
        if 'weights_only' in str(e) or 'Weights only' in str(e):
            raise CheckpointError(f'Checkpoint {path} holds objects that torch\'s safe loader refuses '
                                  f'({_first_line(e)}). Was it written by this plugin\'s tools?') from None
        raise CheckpointError(f'Checkpoint {path} ({size} bytes) is truncated or corrupt '
                              f'({_first_line(e)}). Use another checkpoint.') from None
    except (RuntimeError, OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise CheckpointError(f'Checkpoint {path} ({size} bytes) is truncated or corrupt '
                              f'({_first_line(e)}). Use another checkpoint.') from None
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'{path} is a torch file but not a checkpoint: it holds a '
                              f'{type(checkpoint).__name__}, not a dict with a \'state_dict\'.')
    if 'state_dict' not in checkpoint and not (checkpoint and all(
            isinstance(v, torch.Tensor) for v in checkpoint.values())):
        raise CheckpointError(f'Checkpoint {path} has no \'state_dict\' (its keys: {sorted(checkpoint)[:10]}); '
                              'pass a checkpoint saved by the training run (epoch_N.pth / iter_N.pth).')
    return checkpoint


def atomic_write(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` through ``write(file)`` so that a crash never leaves a partial file there.

    ``write`` fills a temporary file in the same folder (same file system, so the rename is
    atomic); the data is fsynced, then ``os.replace`` puts it under ``path``. On any error the
    temporary file is removed and ``path`` keeps what it held before.

    Args:
        path (str): Final file path; its folder is created if missing.
        write (Callable[[BinaryIO], None]): Writes the content to the open binary file.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f'.{osp.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())  # the bytes reach the disk before the name points at them
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def atomic_torch_save(obj: Any, path: str) -> None:
    """``torch.save(obj, path)`` through :func:`atomic_write`.

    Args:
        obj (Any): What to save (a checkpoint dict).
        path (str): Output path.
    """
    atomic_write(path, lambda f: torch.save(obj, f))


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """mmengine's :class:`~mmengine.fileio.LocalBackend`, writing files with :func:`atomic_write`.

    ``mmengine.runner.save_checkpoint`` serialises a checkpoint in memory and hands the bytes to
    its backend's ``put``; with this backend (``default_hooks.checkpoint.backend_args =
    dict(backend='atomic_local')``, which ``tools/train.py`` sets for local work dirs) a crash
    during that write cannot leave a truncated ``epoch_N.pth``.
    """

    def put(self, obj: bytes, filepath: Union[str, 'os.PathLike']) -> None:
        """Write bytes to ``filepath`` atomically (see :func:`atomic_write`)."""
        atomic_write(str(filepath), lambda f: f.write(obj))

    def put_text(self, obj: str, filepath: Union[str, 'os.PathLike'], encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically (see :func:`atomic_write`)."""
        self.put(obj.encode(encoding), filepath)


def use_atomic_checkpoints(cfg: Any) -> None:
    """Make the config's ``CheckpointHook`` write through :class:`AtomicLocalBackend`.

    Only for local output folders and when the config chose no storage backend itself (a
    ``backend_args``/``file_client_args`` of its own, e.g. petrel, is left alone).

    Args:
        cfg (Config): The training config; ``default_hooks.checkpoint.backend_args`` is set.
    """
    hook = (cfg.get('default_hooks') or {}).get('checkpoint')
    if not hook or hook.get('backend_args') or hook.get('file_client_args'):
        return
    if '://' in str(hook.get('out_dir') or cfg.get('work_dir') or ''):
        return
    hook['backend_args'] = dict(backend='atomic_local')


def _older_checkpoints(work_dir: str, exclude: Optional[str]) -> List[str]:
    """The work dir's ``epoch_N.pth``/``iter_N.pth``, newest (highest N, then latest mtime) first."""
    skip = osp.abspath(exclude) if exclude else None
    found = []
    for name in os.listdir(work_dir):
        match = _STEP.match(name)
        path = osp.join(work_dir, name)
        if match and osp.isfile(path) and osp.abspath(path) != skip:
            found.append((int(match.group(1)), osp.getmtime(path), path))
    return [path for _, _, path in sorted(found, reverse=True)]


def resolve_resume_checkpoint(work_dir: str, log: Callable[[str], None] = print) -> Optional[str]:
    """The checkpoint ``--resume`` (without a path) should load, checked to load.

    Args:
        work_dir (str): The run's work dir (where ``last_checkpoint`` and the checkpoints are).
        log (Callable[[str], None]): Where the fallback notice goes. Defaults to ``print``.

    Returns:
        str | None: The path to resume from; None when the work dir holds no checkpoint at all
        (training starts from scratch, as mmengine does).

    Raises:
        CheckpointError: The latest checkpoint is broken and no older one in the work dir loads;
            the message names the broken file and the fix.
    """
    if not osp.isdir(work_dir):
        return None
    pointer = osp.join(work_dir, 'last_checkpoint')
    latest, problem = None, None
    if osp.isfile(pointer):
        with open(pointer) as f:
            target = f.read().strip()
        if not target:
            problem = f'{pointer} is empty (its write was interrupted)'
        else:
            # mmengine writes the path as the run saw it; a moved work dir keeps the file name.
            latest = target if osp.isfile(target) else osp.join(work_dir, osp.basename(target))
            try:
                load_checkpoint_file(latest)
                return latest
            except CheckpointError as e:
                problem = str(e)
    candidates = _older_checkpoints(work_dir, latest)
    if problem is None and not candidates:
        return None  # nothing saved yet: a fresh start
    if problem is None:
        problem = f'{work_dir} has checkpoints but no last_checkpoint pointer'
    rejected = []
    for path in candidates:
        try:
            load_checkpoint_file(path)
        except CheckpointError as e:
            rejected.append(str(e))
            continue
        log(f'--resume: {problem}. Resuming from the previous good checkpoint {path} instead'
            + (f' (also skipped: {"; ".join(rejected)})' if rejected else '') + '.')
        return path
    broken = latest or pointer
    raise CheckpointError(
        f'Cannot resume: {problem}' + (f'; older checkpoints do not load either: {"; ".join(rejected)}'
                                       if rejected else '; there is no older checkpoint in ' + work_dir)
        + f'. Fix: pass --resume PATH to a good checkpoint, or delete {broken} (and {pointer}) to start '
        'again from scratch.')
