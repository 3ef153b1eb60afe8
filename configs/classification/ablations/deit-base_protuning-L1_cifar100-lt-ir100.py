# Paper Table 9: DeiT-B Pro-tuning with prompt positions L1 on long-tailed CIFAR-100 (IR 100):
# 67.4 top-1 (U5, the default ../deit-base/deit-base_protuning_cifar100-lt-ir100.py: 74.0).
_base_ = [
    '../_base_/models/deit-base_protuning.py',
    '../_base_/datasets/cifar100-lt-ir100_224.py',
    '../_base_/schedules/adamw-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning', positions='L1'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
