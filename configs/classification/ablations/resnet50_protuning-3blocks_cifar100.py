# Paper Table 8: ResNet-50 Pro-tuning with 3 prompt blocks per stage on CIFAR-100: 83.7 top-1
# (1 block, the default ../resnet50/resnet50_protuning_cifar100.py: 83.6).
_base_ = [
    '../_base_/models/resnet50_protuning.py',
    '../_base_/datasets/cifar100_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning', blocks_per_position=3),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
