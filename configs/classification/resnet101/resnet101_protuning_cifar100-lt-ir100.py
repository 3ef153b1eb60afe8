# Paper Table 1: ResNet-101, Pro-tuning on long-tailed CIFAR-100 (IR 100): 63.9 top-1
# (paper, same column: training from scratch 44.6, head retraining 58.9, Partial-1 59.5, Partial-2 59.0, fine-tuning 61.8).
_base_ = ['../_base_/setups/resnet101.py', '../_base_/datasets/cifar100-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
