# Paper Table 1: RegNetX-32GF, Partial-1 on long-tailed CIFAR-100 (IR 100): 57.6 top-1
# (paper, same column: training from scratch 39.2, head retraining 55.1, Partial-2 57.7, fine-tuning 63.7, Pro-tuning 63.9).
_base_ = [
    '../_base_/models/regnetx-32gf_protuning.py',
    '../_base_/datasets/cifar100-lt-ir100_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='partial-1'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
