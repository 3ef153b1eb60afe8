"""Helpers for tests and benchmarks: tiny generated data sets in the real release formats, tiny runs.

As ``mmdet.testing`` does, these live in the package so that the test suite and ``benchmarks/`` share
one copy. ``import protuning_mm`` does not import this package (it imports cv2, PIL and torchvision
data helpers no model needs).
"""
from .datagen import class_image, make_cifar, make_fake_pretrained
from .datagen_ade import ade20k_options, make_ade20k
from .datagen_cls import (
                          CIFAR_C_CORRUPTIONS,
                          CLOTHING1M_CLASSES,
                          make_caltech101,
                          make_cifar_c,
                          make_clothing1m,
                          make_flowers102,
                          make_image_folders,
                          make_pets,
                          make_stanford_dogs,
)
from .datagen_coco import coco_options, make_coco, make_fake_torchvision_resnet50
from .tiny_runs import scalars, tiny_config, tiny_run, write_png_folders

__all__ = [
    'class_image', 'make_cifar', 'make_fake_pretrained', 'make_ade20k', 'ade20k_options', 'coco_options',
    'CIFAR_C_CORRUPTIONS', 'CLOTHING1M_CLASSES', 'make_caltech101', 'make_cifar_c', 'make_clothing1m',
    'make_flowers102', 'make_image_folders', 'make_pets', 'make_stanford_dogs', 'make_coco',
    'make_fake_torchvision_resnet50', 'scalars', 'tiny_config', 'tiny_run', 'write_png_folders'
]
