# Paper Table 1: ResNet-50, Pro-tuning on Clothing1M: 77.5 top-1
# (paper, same column: training from scratch 77.0, head retraining 66.5, Partial-1 75.3, Partial-2 76.5, fine-tuning 78.7).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/clothing1m_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
