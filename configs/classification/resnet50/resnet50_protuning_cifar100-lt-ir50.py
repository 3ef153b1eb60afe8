# Paper Table 1: ResNet-50, Pro-tuning on long-tailed CIFAR-100 (IR 50): 66.0 top-1
# (paper, same column: training from scratch 50.1, head retraining 60.2, Partial-1 62.0, Partial-2 62.1, fine-tuning 65.7).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/cifar100-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
