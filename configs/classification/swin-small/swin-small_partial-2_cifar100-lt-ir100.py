# Paper Table 2: Swin-S, Partial-2 on long-tailed CIFAR-100 (IR 100): 65.3 top-1
# (paper, same column: training from scratch 40.7, head retraining 61.9, Partial-1 64.1, fine-tuning 70.6, Pro-tuning 71.2).
_base_ = './swin-small_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(paradigm='partial-2'))
