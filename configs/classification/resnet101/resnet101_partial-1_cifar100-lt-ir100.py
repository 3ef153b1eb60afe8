# Paper Table 1: ResNet-101, Partial-1 on long-tailed CIFAR-100 (IR 100): 59.5 top-1
# (paper, same column: training from scratch 44.6, head retraining 58.9, Partial-2 59.0, fine-tuning 61.8, Pro-tuning 63.9).
_base_ = './resnet101_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(paradigm='partial-1'))
