# Paper Table 2: DeiT-S, Pro-tuning on long-tailed CIFAR-100 (IR 100): 70.0 top-1
# (paper, same column: training from scratch 33.5, head retraining 63.1, Partial-1 62.2, Partial-2 64.6, fine-tuning 69.4).
_base_ = [
    '../_base_/models/deit-small_protuning.py',
    '../_base_/datasets/cifar100-lt-ir100_224.py',
    '../_base_/schedules/adamw-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
