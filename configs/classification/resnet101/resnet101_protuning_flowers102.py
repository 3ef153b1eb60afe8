# Paper Table 1: ResNet-101, Pro-tuning on Oxford Flowers-102: 98.6 top-1
# (paper, same column: training from scratch 78.0, head retraining 92.8, Partial-1 96.8, Partial-2 97.6, fine-tuning 98.4).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet101.py', '../_base_/datasets/flowers102_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
