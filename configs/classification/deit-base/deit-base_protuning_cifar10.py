# Paper Table 2: DeiT-B, Pro-tuning on CIFAR-10: 98.8 top-1
# (paper, same column: training from scratch 95.5, head retraining 95.1, Partial-1 97.2, Partial-2 98.1, fine-tuning 98.7).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-base.py', '../_base_/datasets/cifar10_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
