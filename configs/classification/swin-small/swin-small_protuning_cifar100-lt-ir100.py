# Paper Table 2: Swin-S, Pro-tuning on long-tailed CIFAR-100 (IR 100): 71.2 top-1
# (paper, same column: training from scratch 40.7, head retraining 61.9, Partial-1 64.1, Partial-2 65.3, fine-tuning 70.6).
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/cifar100-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
