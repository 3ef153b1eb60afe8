"""A tiny ADE20K release (mmseg's ``ADEChallengeData2016`` layout), generated for end-to-end tests.

::

    ADEChallengeData2016/
      images/{training,validation}/ADE_{train,val}_XXXXXXXX.jpg
      annotations/{training,validation}/ADE_{train,val}_XXXXXXXX.png   (uint8 class ids)

As in the real release, label 0 means "other" (ignored: mmseg's ``reduce_zero_label`` maps it to
255) and labels 1..150 are the classes. Only the first few classes appear; each image shows a
background class with a rectangle of another class, each class with its own colour plus noise, so
a head learns the task in a few iterations even on a random frozen backbone.
"""
from pathlib import Path
from typing import Tuple

import mmcv
import numpy as np

COLOURS = np.array([[220, 40, 40], [40, 200, 60], [50, 70, 230], [230, 210, 40], [200, 60, 200],
                    [40, 210, 210], [120, 120, 120], [250, 140, 30]])


def make_sample(rng: np.random.Generator, size: Tuple[int, int], num_classes: int) -> Tuple[np.ndarray, np.ndarray]:
    """One (image HxWx3 uint8 BGR, label HxW uint8) pair in ADE20K's id convention (0 = other)."""
    h, w = size
    back, front = rng.choice(num_classes, 2, replace=False)
    label = np.full((h, w), back + 1, np.uint8)
    y0, x0 = rng.integers(0, h // 2), rng.integers(0, w // 2)
    y1, x1 = y0 + rng.integers(h // 4, h // 2), x0 + rng.integers(w // 4, w // 2)
    label[y0:y1, x0:x1] = front + 1
    label[:2, :] = 0  # a thin "other" border, as ADE20K has unlabelled pixels
    img = COLOURS[(label.astype(int) - 1) % len(COLOURS)].astype(np.float32)
    img[label == 0] = 0
    img += rng.normal(0, 15, img.shape)
    return img.clip(0, 255).astype(np.uint8), label


def make_ade20k(root: Path, num_train: int = 8, num_val: int = 2, size: Tuple[int, int] = (128, 160),
                num_classes: int = 4, seed: int = 0) -> Path:
    """Write the release under ``root/ADEChallengeData2016`` and return that folder (the data_root).

    Args:
        root (Path): Folder to write into.
        num_train (int): Training pairs. Defaults to 8.
        num_val (int): Validation pairs. Defaults to 2.
        size (tuple[int, int]): Image (height, width). Defaults to (128, 160).
        num_classes (int): How many of ADE20K's classes appear (ids 1..num_classes). Defaults to 4.
        seed (int): Random seed. Defaults to 0.
    """
    rng = np.random.default_rng(seed)
    data_root = Path(root) / 'ADEChallengeData2016'
    for split, tag, count in (('training', 'train', num_train), ('validation', 'val', num_val)):
        for i in range(1, count + 1):
            img, label = make_sample(rng, size, num_classes)
            name = f'ADE_{tag}_{i:08d}'
            mmcv.imwrite(img, str(data_root / 'images' / split / f'{name}.jpg'))
            mmcv.imwrite(label, str(data_root / 'annotations' / split / f'{name}.png'))
    return data_root


def ade20k_options(data_root: Path, pretrained: Path, max_iters: int, ckpt_interval: int) -> list:
    """``--cfg-options`` that point an mmseg ADE20K config at :func:`make_ade20k`'s data (made with ``size=(96, 128)``)
    and shrink crops, iterations and loaders; nothing else.

    Args:
        data_root (Path): The folder :func:`make_ade20k` returned.
        pretrained (Path): The backbone's stand-in weights (``model.pretrained``).
        max_iters (int): Training iterations (and the validation interval).
        ckpt_interval (int): Checkpoint interval.

    Returns:
        list[str]: ``key=value`` strings, as ``tools/train.py --cfg-options`` takes them.
    """
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader')
    return [
        f'model.pretrained={pretrained}',
        *[f'{loader}.dataset.data_root={data_root}' for loader in loaders],
        *[f'{loader}.{key}' for loader in loaders for key in ('num_workers=0', 'persistent_workers=False')],
        'model.data_preprocessor.size=(64,64)',
        'train_dataloader.dataset.pipeline.3.scale=(128,96)',  # RandomResize (after CheckSegLabels)
        'train_dataloader.dataset.pipeline.4.crop_size=(64,64)',  # RandomCrop
        'val_dataloader.dataset.pipeline.1.scale=(128,96)', 'test_dataloader.dataset.pipeline.1.scale=(128,96)',
        'train_dataloader.batch_size=2', f'train_cfg.max_iters={max_iters}', f'train_cfg.val_interval={max_iters}',
        f'default_hooks.checkpoint.interval={ckpt_interval}', 'default_hooks.logger.interval=1', 'randomness.seed=0',
    ]
