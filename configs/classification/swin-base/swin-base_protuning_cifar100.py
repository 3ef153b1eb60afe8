# Paper Table 2: Swin-B, Pro-tuning on CIFAR-100: 88.8 top-1
# (paper, same column: training from scratch 79.5, head retraining 79.1, Partial-1 81.0, Partial-2 84.3, fine-tuning 89.4).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-base.py', '../_base_/datasets/cifar100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
