# Paper Table 8: ResNet-50 Pro-tuning with 3 prompt blocks per stage on CIFAR-100: 83.7 top-1
# (1 block, the default ../resnet50/resnet50_protuning_cifar100.py: 83.6).
_base_ = '../resnet50/resnet50_protuning_cifar100.py'
model = dict(backbone=dict(blocks_per_position=3))
