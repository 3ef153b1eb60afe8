# Paper Table 2: DeiT-S, Pro-tuning on Clothing1M: 78.3 top-1
# (paper, same column: training from scratch 68.4, head retraining 66.2, Partial-1 70.9, Partial-2 74.6, fine-tuning 78.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/clothing1m_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
