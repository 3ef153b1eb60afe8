# Paper Table 2: Swin-B, fine-tuning on long-tailed CIFAR-100 (IR 100): 71.6 top-1
# (paper, same column: training from scratch 40.9, head retraining 63.0, Partial-1 64.3, Partial-2 64.4, Pro-tuning 71.2).
_base_ = [
    '../_base_/models/swin-base_protuning.py',
    '../_base_/datasets/cifar100-lt-ir100_224.py',
    '../_base_/schedules/adamw-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='full'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
