# Paper Table 1: ResNet-101, Pro-tuning on long-tailed CIFAR-10 (IR 50): 93.3 top-1
# (paper, same column: training from scratch 84.6, head retraining 86.5, Partial-1 89.7, Partial-2 90.5, fine-tuning 92.7).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet101.py', '../_base_/datasets/cifar10-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
