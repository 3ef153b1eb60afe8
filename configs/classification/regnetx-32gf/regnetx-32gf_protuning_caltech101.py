# Paper Table 1: RegNetX-32GF, Pro-tuning on Caltech-101: 95.6 top-1
# (paper, same column: training from scratch 77.2, head retraining 91.7, Partial-1 93.7, Partial-2 93.6, fine-tuning 95.1).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/regnetx-32gf.py', '../_base_/datasets/caltech101_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
