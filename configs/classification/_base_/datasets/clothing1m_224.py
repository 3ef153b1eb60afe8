# Clothing1M (14 classes) at 224x224 for ImageNet-pretrained backbones: train on the 1M noisy labels,
# validate on clean_val, test on clean_test. Layout: the official release, data/Clothing1M/{images/...,
# noisy_label_kv.txt, clean_label_kv.txt, *_key_list.txt, category_names_eng.txt}.
dataset_type = 'Clothing1M'
data_preprocessor = dict(
    num_classes=14,
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
        data_root='data/Clothing1M',
        split='noisy_train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root='data/Clothing1M',
        split='clean_val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = dict(
    batch_size=64,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root='data/Clothing1M',
        split='clean_test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_evaluator = val_evaluator
