# Paper Table 1: RegNetX-32GF, Pro-tuning on Oxford Flowers-102: 97.9 top-1
# (paper, same column: training from scratch 78.3, head retraining 94.3, Partial-1 97.3, Partial-2 97.4, fine-tuning 98.7).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/regnetx-32gf.py', '../_base_/datasets/flowers102_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
