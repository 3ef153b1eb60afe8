# Paper Table 2: Swin-S, Pro-tuning on Clothing1M: 78.4 top-1
# (paper, same column: training from scratch 21.6, head retraining 66.5, Partial-1 70.2, Partial-2 76.0, fine-tuning 80.0).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/clothing1m_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
