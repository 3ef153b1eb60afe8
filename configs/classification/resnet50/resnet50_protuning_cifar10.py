# Paper Table 1: ResNet-50, Pro-tuning on CIFAR-10: 97.6 top-1
# (paper, same column: training from scratch 96.4, head retraining 86.1, Partial-1 95.5, Partial-2 96.1, fine-tuning 97.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/cifar10_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
