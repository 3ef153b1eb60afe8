# Paper Table 2: DeiT-B, Partial-1 on long-tailed CIFAR-100 (IR 100): 65.8 top-1
# (paper, same column: training from scratch 31.3, head retraining 67.3, Partial-2 69.2, fine-tuning 73.1, Pro-tuning 74.0).
_base_ = [
    '../_base_/models/deit-base_protuning.py',
    '../_base_/datasets/cifar100-lt-ir100_224.py',
    '../_base_/schedules/adamw-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='partial-1'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
