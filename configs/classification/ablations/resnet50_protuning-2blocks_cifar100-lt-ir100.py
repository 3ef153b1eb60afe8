# Paper Table 8: ResNet-50 Pro-tuning with 2 prompt blocks per stage on long-tailed CIFAR-100 (IR 100): 61.3 top-1
# (1 block, the default ../resnet50/resnet50_protuning_cifar100-lt-ir100.py: 61.2).
_base_ = '../resnet50/resnet50_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(blocks_per_position=2))
