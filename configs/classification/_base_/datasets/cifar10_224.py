# CIFAR-10, upsampled to the 224x224 input the ImageNet backbones were trained at.
# Layout: mmpretrain's CIFAR (data/cifar10/cifar-10-batches-py/...). CIFAR10LT with
# imbalance_ratio=1 is mmpretrain's CIFAR10 (same files, labels and order), but reports a missing
# data_root with the --cfg-options key to set and never downloads (download=True to allow it).
dataset_type = 'CIFAR10LT'
data_preprocessor = dict(
    num_classes=10,
    # ImageNet statistics: the frozen backbone expects its pre-training normalisation.
    # The CIFAR arrays are already RGB, hence to_rgb=False.
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=False)

train_pipeline = [
    dict(type='Resize', scale=(224, 224)),
    dict(type='RandomCrop', crop_size=224, padding=28),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='Resize', scale=(224, 224)),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root='data/cifar10',
        split='train',
        imbalance_ratio=1,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root='data/cifar10',
        split='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
