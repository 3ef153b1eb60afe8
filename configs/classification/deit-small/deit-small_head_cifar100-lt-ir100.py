# Paper Table 2: DeiT-S, head retraining on long-tailed CIFAR-100 (IR 100): 63.1 top-1
# (paper, same column: training from scratch 33.5, Partial-1 62.2, Partial-2 64.6, fine-tuning 69.4, Pro-tuning 70.0).
_base_ = './deit-small_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(paradigm='head'))
