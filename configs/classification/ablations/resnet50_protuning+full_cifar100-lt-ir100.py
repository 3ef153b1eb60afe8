# Paper Table 7: ResNet-50, prompt blocks trained together with the whole backbone on long-tailed
# CIFAR-100 (IR 100): 60.4 top-1 (Pro-tuning 61.2, fine-tuning 60.5, head 56.1, scratch 42.6).
# The other Table 7 columns are configs/classification/resnet50/resnet50_*_cifar100-lt-ir100.py.
_base_ = '../resnet50/resnet50_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(paradigm='protuning+full'))
