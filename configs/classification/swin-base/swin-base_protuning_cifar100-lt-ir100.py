# Paper Table 2: Swin-B, Pro-tuning on long-tailed CIFAR-100 (IR 100): 71.2 top-1
# (paper, same column: training from scratch 40.9, head retraining 63.0, Partial-1 64.3, Partial-2 64.4, fine-tuning 71.6).
_base_ = ['../_base_/setups/swin-base.py', '../_base_/datasets/cifar100-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
