# Paper Table 2: Swin-S, Pro-tuning on CIFAR-10: 98.6 top-1
# (paper, same column: training from scratch 95.1, head retraining 93.3, Partial-1 94.4, Partial-2 96.8, fine-tuning 99.0).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/cifar10_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
