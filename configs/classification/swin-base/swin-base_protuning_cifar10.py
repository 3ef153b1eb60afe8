# Paper Table 2: Swin-B, Pro-tuning on CIFAR-10: 98.6 top-1
# (paper, same column: training from scratch 94.8, head retraining 94.0, Partial-1 94.8, Partial-2 96.9, fine-tuning 98.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-base.py', '../_base_/datasets/cifar10_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
