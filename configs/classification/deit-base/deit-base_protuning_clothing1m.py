# Paper Table 2: DeiT-B, Pro-tuning on Clothing1M: 78.5 top-1
# (paper, same column: training from scratch 58.1, head retraining 69.9, Partial-1 72.2, Partial-2 76.1, fine-tuning 78.7).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-base.py', '../_base_/datasets/clothing1m_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
