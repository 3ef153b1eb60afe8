# Paper Table 2: DeiT-S, Pro-tuning on long-tailed CIFAR-100 (IR 100): 70.0 top-1
# (paper, same column: training from scratch 33.5, head retraining 63.1, Partial-1 62.2, Partial-2 64.6, fine-tuning 69.4).
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/cifar100-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
