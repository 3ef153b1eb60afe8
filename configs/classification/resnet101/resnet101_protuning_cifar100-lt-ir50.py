# Paper Table 1: ResNet-101, Pro-tuning on long-tailed CIFAR-100 (IR 50): 68.4 top-1
# (paper, same column: training from scratch 50.6, head retraining 62.7, Partial-1 63.9, Partial-2 63.7, fine-tuning 67.2).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet101.py', '../_base_/datasets/cifar100-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
