# Paper Table 1: RegNetX-32GF, Pro-tuning on long-tailed CIFAR-100 (IR 100): 63.9 top-1
# (paper, same column: training from scratch 39.2, head retraining 55.1, Partial-1 57.6, Partial-2 57.7, fine-tuning 63.7).
_base_ = ['../_base_/setups/regnetx-32gf.py', '../_base_/datasets/cifar100-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
