# Paper Table 1: ResNet-50, head retraining on long-tailed CIFAR-100 (IR 100): 56.1 top-1
# (paper, same column: training from scratch 42.6, Partial-1 57.9, Partial-2 56.8, fine-tuning 60.5, Pro-tuning 61.2).
_base_ = [
    '../_base_/models/resnet50_protuning.py',
    '../_base_/datasets/cifar100-lt-ir100_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='head'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
