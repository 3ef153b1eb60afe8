# Paper Table 2: DeiT-B, Pro-tuning on CIFAR-100: 89.7 top-1
# (paper, same column: training from scratch 72.5, head retraining 81.5, Partial-1 84.2, Partial-2 87.2, fine-tuning 88.9).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-base.py', '../_base_/datasets/cifar100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
