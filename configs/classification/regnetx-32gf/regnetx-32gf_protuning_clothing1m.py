# Paper Table 1: RegNetX-32GF, Pro-tuning on Clothing1M: 77.9 top-1
# (paper, same column: training from scratch 77.5, head retraining 69.7, Partial-1 76.2, Partial-2 75.6, fine-tuning 78.8).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/regnetx-32gf.py', '../_base_/datasets/clothing1m_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
