# Paper Table 2: Swin-S, Pro-tuning on CIFAR-100: 88.7 top-1
# (paper, same column: training from scratch 79.9, head retraining 78.4, Partial-1 80.8, Partial-2 84.6, fine-tuning 89.4).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/cifar100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
