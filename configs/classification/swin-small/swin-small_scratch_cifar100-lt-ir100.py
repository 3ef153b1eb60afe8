# Paper Table 2: Swin-S, training from scratch on long-tailed CIFAR-100 (IR 100): 40.7 top-1
# (paper, same column: head retraining 61.9, Partial-1 64.1, Partial-2 65.3, fine-tuning 70.6, Pro-tuning 71.2).
_base_ = './swin-small_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(paradigm='scratch'))
