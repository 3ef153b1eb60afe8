# Paper Table 1: ResNet-101, Partial-2 on long-tailed CIFAR-100 (IR 100): 59.0 top-1
# (paper, same column: training from scratch 44.6, head retraining 58.9, Partial-1 59.5, fine-tuning 61.8, Pro-tuning 63.9).
_base_ = [
    '../_base_/models/resnet101_protuning.py',
    '../_base_/datasets/cifar100-lt-ir100_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='partial-2'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
