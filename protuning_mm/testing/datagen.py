"""Tiny on-disk datasets in the real release formats, generated on the fly for end-to-end tests."""
import pickle
from pathlib import Path
from typing import Sequence

import numpy as np
import torch


def class_image(label: int, rng: np.random.Generator, size: int = 32) -> np.ndarray:
    """An HxWx3 uint8 image whose class is visible: a class-specific colour plus a bar, plus noise."""
    colours = np.array([[220, 40, 40], [40, 200, 60], [50, 70, 230], [230, 210, 40],
                        [200, 60, 200], [40, 210, 210], [120, 120, 120], [250, 140, 30]])
    img = np.tile(colours[label % len(colours)], (size, size, 1)).astype(np.float32)
    bar = (label * 5) % (size - 6)
    img[bar:bar + 6, :, :] = 255 - img[bar:bar + 6, :, :]
    img += rng.normal(0, 20, img.shape)
    return img.clip(0, 255).astype(np.uint8)


def make_cifar(root: Path, num_classes: int = 100, train_per_class: Sequence[int] = (12, 12, 12, 12),
               test_per_class: int = 4, seed: int = 0) -> Path:
    """Write a CIFAR-10/100 python release (the pickles mmpretrain's CIFAR datasets read).

    Only the first ``len(train_per_class)`` classes get images; all ``num_classes`` are named.
    Images are interleaved across classes, as in the real files.
    """
    rng = np.random.default_rng(seed)
    folder = root / ('cifar-100-python' if num_classes == 100 else 'cifar-10-batches-py')
    folder.mkdir(parents=True, exist_ok=True)
    label_key = 'fine_labels' if num_classes == 100 else 'labels'

    def batch(per_class):
        labels = [c for i in range(max(per_class)) for c, n in enumerate(per_class) if i < n]
        data = np.stack([class_image(c, rng).transpose(2, 0, 1).reshape(-1) for c in labels])
        return {'data': data, label_key: labels}

    train = batch(train_per_class)
    test = batch([test_per_class] * len(train_per_class))
    names = [f'class_{i}' for i in range(num_classes)]
    if num_classes == 100:
        files = {'train': train, 'test': test, 'meta': {'fine_label_names': names}}
    else:
        files = {'data_batch_1': train, 'test_batch': test, 'batches.meta': {'label_names': names}}
        for i in range(2, 6):  # mmpretrain expects all five train batches
            files[f'data_batch_{i}'] = {'data': train['data'][:0], label_key: []}
    for name, content in files.items():
        with open(folder / name, 'wb') as f:
            pickle.dump(content, f)
    return root


def make_fake_pretrained(model: torch.nn.Module, path: Path, prefix: str = 'backbone.') -> dict:
    """Save ``model``'s weights as an mmpretrain-style checkpoint (keys under ``prefix``)."""
    state = {prefix + k: v.clone() for k, v in model.state_dict().items()}
    torch.save({'state_dict': state}, path)
    return state
