"""A tiny COCO 2017 layout generated on the fly, for end-to-end detection tests.

What :func:`make_coco` writes under ``root`` is what mmdet's COCO configs read::

    annotations/instances_train2017.json   annotations/instances_val2017.json
    train2017/*.jpg   val2017/*.jpg
    stuffthingmaps/train2017/*.png          (HTC's semantic maps, COCO-Stuff class ids, 255 = ignore)

Each image shows a few flat-coloured objects (rectangles and triangles) on a textured background;
every object is annotated with its box, its polygon and its area, and its class decides its
colour, so a detector can learn something in a handful of iterations.
"""
import json
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import torch
import torchvision
from PIL import Image, ImageDraw

from .datagen import make_fake_pretrained

# COCO's 80 thing classes with their official (non-contiguous) category ids; mmdet's CocoDataset
# maps names to labels, so the ids must be COCO's and the names exactly mmdet's.
COCO_CAT_IDS = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32,
    33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59,
    60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90
]
# The classes objects are drawn from (label index into the 80 classes) and their colours.
USED_LABELS = (0, 2, 16)  # person, car, cat
COLOURS = ((230, 40, 40), (40, 200, 60), (50, 70, 230))
STUFF_BACKGROUND = 95  # a COCO-Stuff class id (>= 80: stuff) for the background of the semantic maps


def _polygon(rng: np.random.Generator, width: int, height: int) -> List[Tuple[float, float]]:
    """A rectangle or a triangle, 16 to 48 px across, inside the image."""
    w, h = rng.integers(16, 49, size=2)
    x0, y0 = rng.integers(0, width - w), rng.integers(0, height - h)
    if rng.random() < 0.5:
        return [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)]
    return [(x0 + w / 2, y0), (x0 + w, y0 + h), (x0, y0 + h)]


def _area(poly: List[Tuple[float, float]]) -> float:
    xs, ys = np.array(poly).T
    return float(abs(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1))) / 2)


def _split(root: Path, split: str, num_images: int, size: Tuple[int, int], stuff: bool,
           rng: np.random.Generator, first_id: int) -> Dict:
    width, height = size
    (root / f'{split}2017').mkdir(parents=True, exist_ok=True)
    if stuff:
        (root / 'stuffthingmaps' / f'{split}2017').mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    for i in range(num_images):
        image_id = first_id + i
        name = f'{image_id:012d}.jpg'
        noise = rng.normal(128, 25, (height, width, 3)).clip(0, 255).astype(np.uint8)
        img = Image.fromarray(noise)
        seg = Image.new('L', (width, height), STUFF_BACKGROUND)
        draw, seg_draw = ImageDraw.Draw(img), ImageDraw.Draw(seg)
        for _ in range(int(rng.integers(1, 4))):
            k = int(rng.integers(len(USED_LABELS)))
            poly = _polygon(rng, width, height)
            draw.polygon(poly, fill=COLOURS[k])
            seg_draw.polygon(poly, fill=USED_LABELS[k])  # thing pixels carry the thing's label index
            xs, ys = np.array(poly).T
            annotations.append(dict(
                id=len(annotations) + 1 + first_id * 10, image_id=image_id,
                category_id=COCO_CAT_IDS[USED_LABELS[k]], iscrowd=0, area=_area(poly),
                bbox=[float(xs.min()), float(ys.min()), float(xs.max() - xs.min()), float(ys.max() - ys.min())],
                segmentation=[[float(c) for xy in poly for c in xy]]))
        img.save(root / f'{split}2017' / name, quality=95)
        if stuff:
            seg.save(root / 'stuffthingmaps' / f'{split}2017' / name.replace('.jpg', '.png'))
        images.append(dict(id=image_id, file_name=name, width=width, height=height))
    return dict(images=images, annotations=annotations)


def make_coco(root: Path, num_train: int = 8, num_val: int = 4, size: Tuple[int, int] = (128, 96),
              stuff: bool = True, seed: int = 0) -> Path:
    """Write a tiny COCO 2017 instance-segmentation dataset in mmdet's layout.

    Args:
        root (Path): Folder to write (created).
        num_train (int): Training images. Defaults to 8.
        num_val (int): Validation images. Defaults to 4.
        size (tuple[int, int]): Image (width, height). Defaults to (128, 96).
        stuff (bool): Also write HTC's ``stuffthingmaps`` PNGs. Defaults to True.
        seed (int): Random seed. Defaults to 0.

    Returns:
        Path: ``root``.
    """
    from mmdet.datasets import CocoDataset
    rng = np.random.default_rng(seed)
    categories = [dict(id=cid, name=name, supercategory='thing')
                  for cid, name in zip(COCO_CAT_IDS, CocoDataset.METAINFO['classes'])]
    (root / 'annotations').mkdir(parents=True, exist_ok=True)
    for split, num, first_id in (('train', num_train, 1), ('val', num_val, 100000)):
        content = _split(root, split, num, size, stuff, rng, first_id)
        content['categories'] = categories
        (root / 'annotations' / f'instances_{split}2017.json').write_text(json.dumps(content))
    return root


def make_fake_torchvision_resnet50(path: Path, images: Path, seed: int = 0) -> Dict[str, torch.Tensor]:
    """Save a stand-in for ``torchvision://resnet50``: plain torchvision keys, BN statistics calibrated.

    A randomly initialised ResNet-50 whose BatchNorm still holds the default statistics (mean 0,
    var 1) is numerically unlike a pre-trained one: in eval mode (how the frozen backbone runs)
    its activations grow by orders of magnitude through the 16 residual blocks and the heads'
    losses diverge. Real pre-trained statistics normalise each layer, so the statistics here are
    re-estimated on the generated images (a cumulative average over train-mode passes).

    Args:
        path (Path): Checkpoint file to write (``{'state_dict': {...}}``, torchvision key names).
        images (Path): Folder of ``*.jpg`` images to calibrate on.
        seed (int): Random seed for the weights. Defaults to 0.

    Returns:
        dict[str, torch.Tensor]: The saved state dict.
    """
    torch.manual_seed(seed)
    model = torchvision.models.resnet50()
    mean, std = torch.tensor([123.675, 116.28, 103.53]), torch.tensor([58.395, 57.12, 57.375])
    batch = torch.stack([(torch.from_numpy(np.asarray(Image.open(f).convert('RGB'), dtype=np.float32)) - mean) / std
                         for f in sorted(images.glob('*.jpg'))]).permute(0, 3, 1, 2)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative moving average: the plain mean over the passes
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(batch)
    return make_fake_pretrained(model.eval(), path, prefix='')


def coco_options(data: Path, checkpoint: Path) -> list:
    """``--cfg-options`` that point an mmdet COCO config at :func:`make_coco`'s data (default size) and
    shrink it to a few-iteration CPU run: Resize to the images' size, fewer proposals, no LR schedule.

    Args:
        data (Path): What :func:`make_coco` wrote.
        checkpoint (Path): The backbone's stand-in weights (:func:`make_fake_torchvision_resnet50`).

    Returns:
        list[str]: ``key=value`` strings, as ``tools/train.py --cfg-options`` takes them.
    """
    ann_val = data / 'annotations' / 'instances_val2017.json'
    return [
        f'model.backbone.backbone.init_cfg.checkpoint={checkpoint}',
        *[f'{split}_dataloader.{key}' for split in ('train', 'val', 'test')
          for key in (f'dataset.data_root={data}', 'num_workers=0', 'persistent_workers=False')],
        f'val_evaluator.ann_file={ann_val}', f'test_evaluator.ann_file={ann_val}',
        'train_dataloader.dataset.pipeline.2.scale=(128,96)',  # Resize in mmdet's COCO pipelines
        'val_dataloader.dataset.pipeline.1.scale=(128,96)', 'test_dataloader.dataset.pipeline.1.scale=(128,96)',
        'model.train_cfg.rpn_proposal.nms_pre=200', 'model.train_cfg.rpn_proposal.max_per_img=64',
        'model.test_cfg.rpn.nms_pre=200', 'model.test_cfg.rpn.max_per_img=64', 'model.test_cfg.rcnn.max_per_img=20',
        'model.test_cfg.rcnn.score_thr=0.0',  # a detector 8 iterations old scores below mmdet's 0.001
        'optim_wrapper.optimizer.lr=0.0025', 'param_scheduler=[]', 'default_hooks.logger.interval=1',
        'randomness.seed=0',
    ]
