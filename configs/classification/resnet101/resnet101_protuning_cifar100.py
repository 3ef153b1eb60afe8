# Paper Table 1: ResNet-101, Pro-tuning on CIFAR-100: 86.6 top-1
# (paper, same column: training from scratch 81.9, head retraining 71.9, Partial-1 80.2, Partial-2 81.7, fine-tuning 87.0).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet101.py', '../_base_/datasets/cifar100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
