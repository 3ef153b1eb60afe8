# Paper Table 11: ResNet-50 Pro-tuning with a 3x3 depthwise conv in the prompt blocks on
# CIFAR-100: 83.2 top-1 (5x5, the default ../resnet50/resnet50_protuning_cifar100.py: 83.6).
_base_ = [
    '../_base_/models/resnet50_protuning.py',
    '../_base_/datasets/cifar100_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning', prompt_cfg=dict(kernel_size=3)),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
