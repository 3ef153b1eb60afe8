"""One clear error for a dataset that is not where the config says it is."""
from typing import Iterable

from mmengine.fileio import exists


def require_files(dataset: str, data_root: str, paths: Iterable[str], release: str) -> None:
    """Raise a :class:`FileNotFoundError` naming the first missing file and the fix.

    We never download or write into ``data_root``: a wrong path must be reported, not
    "repaired", so the error says which ``--cfg-options`` key points a config at the data.

    Args:
        dataset (str): Dataset class name, for the message.
        data_root (str): The ``data_root`` the dataset was built with.
        paths (Iterable[str]): Files or folders that must exist.
        release (str): What the user should put under ``data_root`` (the official release).
    """
    for path in paths:
        if not exists(path):
            raise FileNotFoundError(
                f'{dataset}: {path} not found. Put {release} under data_root (now {data_root!r}) '
                'or point to it with --cfg-options train_dataloader.dataset.data_root=... '
                'val_dataloader.dataset.data_root=... test_dataloader.dataset.data_root=... '
                '(inside FewShotDataset the key is train_dataloader.dataset.dataset.data_root).')
