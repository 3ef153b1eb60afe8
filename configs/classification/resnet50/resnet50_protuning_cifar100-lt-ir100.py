# Paper Table 1: ResNet-50, Pro-tuning on long-tailed CIFAR-100 (IR 100): 61.2 top-1
# (paper, same column: training from scratch 42.6, head retraining 56.1, Partial-1 57.9, Partial-2 56.8, fine-tuning 60.5).
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/cifar100-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
