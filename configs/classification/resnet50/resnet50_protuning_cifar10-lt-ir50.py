# Paper Table 1: ResNet-50, Pro-tuning on long-tailed CIFAR-10 (IR 50): 92.2 top-1
# (paper, same column: training from scratch 84.6, head retraining 85.0, Partial-1 88.9, Partial-2 89.5, fine-tuning 92.0).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/cifar10-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
