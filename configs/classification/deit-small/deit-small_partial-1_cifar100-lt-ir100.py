# Paper Table 2: DeiT-S, Partial-1 on long-tailed CIFAR-100 (IR 100): 62.2 top-1
# (paper, same column: training from scratch 33.5, head retraining 63.1, Partial-2 64.6, fine-tuning 69.4, Pro-tuning 70.0).
_base_ = './deit-small_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(paradigm='partial-1'))
