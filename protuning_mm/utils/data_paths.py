"""Check a config's dataset paths before a run, so that a wrong path fails with the fix in the message.

Upstream datasets report a missing ``data_root`` or annotation file in very different ways (a bare
``FileNotFoundError`` from deep inside pycocotools, an empty dataset, or an attempt to download).
This check names the config key and the ``--cfg-options`` override instead. Remote paths
(``s3://``, ``http://``...) are left to their file backends.
"""
import os.path as osp
from typing import Iterator, Tuple

from mmengine.config import Config, ConfigDict

# Dataset wrappers: the key(s) holding the wrapped dataset config(s).
_WRAPPED_KEYS = ('dataset', 'datasets')


def _is_local(path: str) -> bool:
    return '://' not in path


def _dataset_cfgs(cfg: dict, key: str) -> Iterator[Tuple[str, dict]]:
    """Yield ``(config key, dataset cfg)`` for a dataset cfg and every dataset it wraps."""
    for wrapped in _WRAPPED_KEYS:
        inner = cfg.get(wrapped)
        if isinstance(inner, (dict, ConfigDict)):
            yield from _dataset_cfgs(inner, f'{key}.{wrapped}')
        elif isinstance(inner, (list, tuple)):
            for i, item in enumerate(inner):
                yield from _dataset_cfgs(item, f'{key}.{wrapped}.{i}')
    if any(k in cfg for k in ('data_root', 'ann_file', 'data_prefix')):
        yield key, cfg


def _missing(key: str, option: str, path: str, what: str) -> FileNotFoundError:
    return FileNotFoundError(
        f'{what} {path!r} ({key}.{option}) does not exist. Point the config at your data with '
        f'--cfg-options {key}.{option}=/path/to/... (or edit it in your config).')


def check_data_paths(cfg: Config, splits: Tuple[str, ...] = ('train', 'val', 'test')) -> None:
    """Raise ``FileNotFoundError`` naming the key and the fix for a missing local dataset path.

    Checks ``data_root``, ``ann_file`` and the directories in ``data_prefix`` of each
    ``<split>_dataloader.dataset`` (and the datasets it wraps), joined the way mmengine's
    ``BaseDataset`` joins them, and the ``ann_file`` of ``<split>_evaluator`` (mmdet's CocoMetric
    reads its own copy of the annotations, which a ``data_root`` override does not move).

    Args:
        cfg (Config): The full run config.
        splits (tuple[str]): Dataloaders to check. Defaults to ``('train', 'val', 'test')``.
    """
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not isinstance(loader, (dict, ConfigDict)) or 'dataset' not in loader:
            continue
        for key, ds in _dataset_cfgs(loader['dataset'], f'{split}_dataloader.dataset'):
            root = ds.get('data_root') or ''
            if not _is_local(root):
                continue  # remote storage: its file backend reports problems
            if root and not osp.isdir(root):
                raise _missing(key, 'data_root', root, 'Dataset root')
            ann = ds.get('ann_file') or ''
            if ann and _is_local(ann):
                path = ann if osp.isabs(ann) or not root else osp.join(root, ann)
                if not osp.isfile(path):
                    raise _missing(key, 'ann_file', path, 'Annotation file')
            prefix = ds.get('data_prefix') or {}
            items = prefix.items() if isinstance(prefix, (dict, ConfigDict)) else [('', prefix)]
            for name, sub in items:
                if not isinstance(sub, str) or not sub or not _is_local(sub):
                    continue
                path = sub if osp.isabs(sub) or not root else osp.join(root, sub)
                if not osp.exists(path):
                    option = f'data_prefix.{name}' if name else 'data_prefix'
                    raise _missing(key, option, path, 'Data folder')
        evaluators = cfg.get(f'{split}_evaluator')
        if split == 'train' or not evaluators:
            continue
        if isinstance(evaluators, (dict, ConfigDict)):
            evaluators = [evaluators]
        for i, evaluator in enumerate(evaluators):
            ann = evaluator.get('ann_file') if isinstance(evaluator, (dict, ConfigDict)) else None
            if isinstance(ann, str) and ann and _is_local(ann) and not osp.isfile(ann):
                key = f'{split}_evaluator' if len(evaluators) == 1 else f'{split}_evaluator.{i}'
                raise _missing(key, 'ann_file', ann, 'Annotation file')
