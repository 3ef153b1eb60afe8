# Paper Table 2: Swin-B, Partial-2 on long-tailed CIFAR-100 (IR 100): 64.4 top-1
# (paper, same column: training from scratch 40.9, head retraining 63.0, Partial-1 64.3, fine-tuning 71.6, Pro-tuning 71.2).
_base_ = './swin-base_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(paradigm='partial-2'))
