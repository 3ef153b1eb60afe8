# Paper Table 1: ResNet-50, Pro-tuning on long-tailed CIFAR-10 (IR 100): 89.9 top-1
# (paper, same column: training from scratch 80.4, head retraining 83.6, Partial-1 86.5, Partial-2 87.3, fine-tuning 89.7).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/cifar10-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
