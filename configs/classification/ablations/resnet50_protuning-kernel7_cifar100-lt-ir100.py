# Paper Table 11: ResNet-50 Pro-tuning with a 7x7 depthwise conv in the prompt blocks on
# long-tailed CIFAR-100 (IR 100): 61.1 top-1 (5x5, the default ../resnet50/resnet50_protuning_cifar100-lt-ir100.py: 61.2).
_base_ = [
    '../_base_/models/resnet50_protuning.py',
    '../_base_/datasets/cifar100-lt-ir100_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning', prompt_cfg=dict(kernel_size=7)),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
