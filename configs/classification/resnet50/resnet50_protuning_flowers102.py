# Paper Table 1: ResNet-50, Pro-tuning on Oxford Flowers-102: 98.0 top-1
# (paper, same column: training from scratch 77.8, head retraining 93.0, Partial-1 96.8, Partial-2 97.3, fine-tuning 98.3).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/flowers102_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
