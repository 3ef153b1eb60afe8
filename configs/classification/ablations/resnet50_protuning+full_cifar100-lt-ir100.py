# Paper Table 7: ResNet-50, prompt blocks trained together with the whole backbone on long-tailed
# CIFAR-100 (IR 100): 60.4 top-1 (Pro-tuning 61.2, fine-tuning 60.5, head 56.1, scratch 42.6).
# The other Table 7 columns are configs/classification/resnet50/resnet50_*_cifar100-lt-ir100.py.
_base_ = [
    '../_base_/models/resnet50_protuning.py',
    '../_base_/datasets/cifar100-lt-ir100_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning+full'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
