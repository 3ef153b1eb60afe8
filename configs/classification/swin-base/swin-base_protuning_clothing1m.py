# Paper Table 2: Swin-B, Pro-tuning on Clothing1M: 77.7 top-1
# (paper, same column: training from scratch 19.6, head retraining 68.2, Partial-1 71.4, Partial-2 95.7, fine-tuning 79.9).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-base.py', '../_base_/datasets/clothing1m_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
