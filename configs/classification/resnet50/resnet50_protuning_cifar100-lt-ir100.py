# Paper Table 1 / 7: ResNet-50 Pro-tuning on long-tailed CIFAR-100, imbalance ratio 100
# (paper: 61.2 top-1; fine-tuning 60.5, head retraining 56.1).
_base_ = [
    '../_base_/models/resnet50_protuning.py',
    '../_base_/datasets/cifar100-lt-ir100_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
