# Paper Table 2: DeiT-S, Pro-tuning on CIFAR-10: 98.2 top-1
# (paper, same column: training from scratch 95.3, head retraining 92.6, Partial-1 95.6, Partial-2 96.9, fine-tuning 98.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/cifar10_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
