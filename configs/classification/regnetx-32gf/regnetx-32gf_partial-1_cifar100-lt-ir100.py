# Paper Table 1: RegNetX-32GF, Partial-1 on long-tailed CIFAR-100 (IR 100): 57.6 top-1
# (paper, same column: training from scratch 39.2, head retraining 55.1, Partial-2 57.7, fine-tuning 63.7, Pro-tuning 63.9).
_base_ = './regnetx-32gf_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(paradigm='partial-1'))
