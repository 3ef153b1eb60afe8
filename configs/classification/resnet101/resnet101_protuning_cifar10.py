# Paper Table 1: ResNet-101, Pro-tuning on CIFAR-10: 98.0 top-1
# (paper, same column: training from scratch 97.1, head retraining 87.6, Partial-1 95.5, Partial-2 96.4, fine-tuning 98.2).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet101.py', '../_base_/datasets/cifar10_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
