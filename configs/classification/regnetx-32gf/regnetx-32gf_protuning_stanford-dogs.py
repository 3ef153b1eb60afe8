# Paper Table 1: RegNetX-32GF, Pro-tuning on Stanford Dogs: 94.7 top-1
# (paper, same column: training from scratch 70.2, head retraining 95.0, Partial-1 94.2, Partial-2 94.1, fine-tuning 88.0).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/regnetx-32gf.py', '../_base_/datasets/stanford-dogs_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
