# Paper Table 9: DeiT-B Pro-tuning with prompt positions L5 on long-tailed CIFAR-100 (IR 100):
# 67.5 top-1 (U5, the default ../deit-base/deit-base_protuning_cifar100-lt-ir100.py: 74.0).
_base_ = '../deit-base/deit-base_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(positions='L5'))
