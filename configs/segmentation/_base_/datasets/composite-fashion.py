# The offline composite dense data set (docs/datasets-composite.md), semantic segmentation: the same
# images as configs/detection/_base_/datasets/composite-fashion_instance.py, written by
#   python tools/dataset_converters/make_composite_dense.py --out data/composite
# with one label PNG per image: 0 = background (a class here, as in PASCAL VOC: every pixel is known),
# 1..10 = the Fashion-MNIST classes. Hence reduce_zero_label=False and num_classes=11 for the heads.
# mmseg's BaseSegDataset reads it with this metainfo; the pipelines are mmseg's ADE20K ones scaled to
# the 320 px images (256 px crops).
dataset_type = 'BaseSegDataset'
data_root = 'data/composite'
metainfo = dict(
    classes=('background', 'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker',
             'Bag', 'Ankle boot'),
    palette=[(0, 0, 0), (220, 20, 60), (0, 130, 200), (60, 180, 75), (255, 225, 25), (145, 30, 180),
             (245, 130, 48), (70, 240, 240), (240, 50, 230), (128, 128, 0), (0, 0, 128)])
num_classes = 11
crop_size = (256, 256)
img_scale = (320, 320)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),  # reduce_zero_label comes from the data set (False)
    # Clear errors for label maps of the wrong size or ids >= num_classes (protuning_mm/datasets/seg_checks.py).
    dict(type='CheckSegLabels', num_classes=num_classes),
    dict(type='RandomResize', scale=img_scale, ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabels', num_classes=num_classes),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        img_suffix='.jpg',
        seg_map_suffix='.png',
        reduce_zero_label=False,
        data_prefix=dict(img_path='images/train', seg_map_path='annotations/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        img_suffix='.jpg',
        seg_map_suffix='.png',
        reduce_zero_label=False,
        data_prefix=dict(img_path='images/val', seg_map_path='annotations/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
