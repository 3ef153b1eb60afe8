# Paper Table 2: Swin-B, fine-tuning on long-tailed CIFAR-100 (IR 100): 71.6 top-1
# (paper, same column: training from scratch 40.9, head retraining 63.0, Partial-1 64.3, Partial-2 64.4, Pro-tuning 71.2).
_base_ = './swin-base_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(paradigm='full'))
