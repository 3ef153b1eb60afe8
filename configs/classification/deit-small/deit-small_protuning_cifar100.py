# Paper Table 2: DeiT-S, Pro-tuning on CIFAR-100: 88.0 top-1
# (paper, same column: training from scratch 74.1, head retraining 77.0, Partial-1 80.9, Partial-2 83.5, fine-tuning 87.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/cifar100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
