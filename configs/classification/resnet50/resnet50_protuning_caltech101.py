# Paper Table 1: ResNet-50, Pro-tuning on Caltech-101: 93.6 top-1
# (paper, same column: training from scratch 77.2, head retraining 90.0, Partial-1 91.5, Partial-2 92.2, fine-tuning 93.4).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/caltech101_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
