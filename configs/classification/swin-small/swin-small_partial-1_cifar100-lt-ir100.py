# Paper Table 2: Swin-S, Partial-1 on long-tailed CIFAR-100 (IR 100): 64.1 top-1
# (paper, same column: training from scratch 40.7, head retraining 61.9, Partial-2 65.3, fine-tuning 70.6, Pro-tuning 71.2).
_base_ = [
    '../_base_/models/swin-small_protuning.py',
    '../_base_/datasets/cifar100-lt-ir100_224.py',
    '../_base_/schedules/adamw-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='partial-1'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
