# Paper Table 2: DeiT-B, Partial-2 on long-tailed CIFAR-100 (IR 100): 69.2 top-1
# (paper, same column: training from scratch 31.3, head retraining 67.3, Partial-1 65.8, fine-tuning 73.1, Pro-tuning 74.0).
_base_ = './deit-base_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(paradigm='partial-2'))
