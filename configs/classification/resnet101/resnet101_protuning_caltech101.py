# Paper Table 1: ResNet-101, Pro-tuning on Caltech-101: 93.8 top-1
# (paper, same column: training from scratch 77.4, head retraining 90.7, Partial-1 92.4, Partial-2 92.8, fine-tuning 93.7).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet101.py', '../_base_/datasets/caltech101_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
