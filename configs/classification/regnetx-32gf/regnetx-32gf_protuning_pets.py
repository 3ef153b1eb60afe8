# Paper Table 1: RegNetX-32GF, Pro-tuning on Oxford-IIIT Pets: 94.3 top-1
# (paper, same column: training from scratch 77.8, head retraining 93.4, Partial-1 92.6, Partial-2 93.0, fine-tuning 94.0).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/regnetx-32gf.py', '../_base_/datasets/pets_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
