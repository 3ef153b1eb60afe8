# ImageNet-A (natural adversarial examples of 200 ImageNet classes) at 224x224 for ImageNet-pretrained
# backbones.
# Layout: the folder release, data/imagenet-a/<wnid>/*.jpg. A 200-way head trains on a seeded 80/20
# per-class split (split='train'/'val', split_ratio, seed). SubsetAccuracy scores a 200-way head
# directly and masks a 1000-way ImageNet model to the 200 classes (metainfo indices_in_1k); to
# evaluate such a model on the whole release: --cfg-options test_dataloader.dataset.split=all
dataset_type = 'ImageNetA'
data_preprocessor = dict(
    num_classes=200,
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
    dataset=dict(
        type=dataset_type,
        data_root='data/imagenet-a',
        split='train',
        split_ratio=0.8,
        seed=0,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root='data/imagenet-a',
        split='val',
        split_ratio=0.8,
        seed=0,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='SubsetAccuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
