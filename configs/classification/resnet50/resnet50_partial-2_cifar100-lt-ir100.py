# Paper Table 1: ResNet-50, Partial-2 on long-tailed CIFAR-100 (IR 100): 56.8 top-1
# (paper, same column: training from scratch 42.6, head retraining 56.1, Partial-1 57.9, fine-tuning 60.5, Pro-tuning 61.2).
_base_ = './resnet50_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(paradigm='partial-2'))
