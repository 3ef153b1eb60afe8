# Paper Table 1: ResNet-50, Pro-tuning on CIFAR-100: 84.0 top-1
# (paper, same column: training from scratch 80.4, head retraining 69.7, Partial-1 79.3, Partial-2 80.9, fine-tuning 84.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/cifar100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
