# Paper Table 1: ResNet-101, Pro-tuning on long-tailed CIFAR-10 (IR 100): 91.0 top-1
# (paper, same column: training from scratch 80.4, head retraining 85.3, Partial-1 87.2, Partial-2 87.8, fine-tuning 90.8).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet101.py', '../_base_/datasets/cifar10-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
