# Paper Table 2: DeiT-B, Pro-tuning on long-tailed CIFAR-100 (IR 100): 74.0 top-1
# (paper, same column: training from scratch 31.3, head retraining 67.3, Partial-1 65.8, Partial-2 69.2, fine-tuning 73.1).
_base_ = ['../_base_/setups/deit-base.py', '../_base_/datasets/cifar100-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
