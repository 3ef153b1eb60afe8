# Paper Table 1: ResNet-101, Pro-tuning on Stanford Dogs: 90.3 top-1
# (paper, same column: training from scratch 69.0, head retraining 90.5, Partial-1 89.5, Partial-2 88.0, fine-tuning 87.9).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet101.py', '../_base_/datasets/stanford-dogs_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
