# Paper Table 1: RegNetX-32GF, Pro-tuning on CIFAR-100: 87.4 top-1
# (paper, same column: training from scratch 81.5, head retraining 71.4, Partial-1 78.1, Partial-2 78.7, fine-tuning 87.2).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/regnetx-32gf.py', '../_base_/datasets/cifar100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
