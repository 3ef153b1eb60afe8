# Paper Table 1: ResNet-101, Pro-tuning on Clothing1M: 79.0 top-1
# (paper, same column: training from scratch 77.8, head retraining 67.2, Partial-1 75.3, Partial-2 76.3, fine-tuning 78.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet101.py', '../_base_/datasets/clothing1m_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
