# Paper Table 2: DeiT-S, training from scratch on long-tailed CIFAR-100 (IR 100): 33.5 top-1
# (paper, same column: head retraining 63.1, Partial-1 62.2, Partial-2 64.6, fine-tuning 69.4, Pro-tuning 70.0).
_base_ = './deit-small_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(paradigm='scratch'))
