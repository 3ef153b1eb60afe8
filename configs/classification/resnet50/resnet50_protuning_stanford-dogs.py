# Paper Table 1: ResNet-50, Pro-tuning on Stanford Dogs: 89.1 top-1
# (paper, same column: training from scratch 66.8, head retraining 88.9, Partial-1 87.4, Partial-2 85.8, fine-tuning 86.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/stanford-dogs_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
