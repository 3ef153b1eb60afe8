# Paper Table 2: DeiT-B, training from scratch on long-tailed CIFAR-100 (IR 100): 31.3 top-1
# (paper, same column: head retraining 67.3, Partial-1 65.8, Partial-2 69.2, fine-tuning 73.1, Pro-tuning 74.0).
_base_ = './deit-base_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(paradigm='scratch'))
