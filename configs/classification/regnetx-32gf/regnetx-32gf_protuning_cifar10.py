# Paper Table 1: RegNetX-32GF, Pro-tuning on CIFAR-10: 97.8 top-1
# (paper, same column: training from scratch 96.8, head retraining 86.6, Partial-1 93.9, Partial-2 94.7, fine-tuning 98.4).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/regnetx-32gf.py', '../_base_/datasets/cifar10_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
