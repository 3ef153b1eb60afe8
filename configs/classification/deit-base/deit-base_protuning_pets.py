# Paper Table 2: DeiT-B, Pro-tuning on Oxford-IIIT Pets: 94.7 top-1
# (paper, same column: training from scratch 40.2, head retraining 93.6, Partial-1 94.4, Partial-2 94.8, fine-tuning 94.0).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-base.py', '../_base_/datasets/pets_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
