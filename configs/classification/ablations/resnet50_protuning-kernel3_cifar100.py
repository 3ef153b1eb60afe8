# Paper Table 11: ResNet-50 Pro-tuning with a 3x3 depthwise conv in the prompt blocks on
# CIFAR-100: 83.2 top-1 (5x5, the default ../resnet50/resnet50_protuning_cifar100.py: 83.6).
_base_ = '../resnet50/resnet50_protuning_cifar100.py'
model = dict(backbone=dict(prompt_cfg=dict(kernel_size=3)))
