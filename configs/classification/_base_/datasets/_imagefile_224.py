# Shared by the image-file datasets (Pets, Flowers-102, Caltech-101, Stanford Dogs, Clothing1M,
# ImageNet-A/R): 224x224 crops for ImageNet-pretrained backbones. A dataset base sets the dataset
# type, data_root and splits, and data_preprocessor.num_classes.
data_preprocessor = dict(
    # ImageNet statistics: the frozen backbone expects its pre-training normalisation.
    # LoadImageFromFile reads BGR, hence to_rgb=True.
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    dataset=dict(pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    dataset=dict(pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
