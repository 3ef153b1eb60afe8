# Paper Table 2: DeiT-S, Pro-tuning on Oxford-IIIT Pets: 94.0 top-1
# (paper, same column: training from scratch 41.8, head retraining 92.8, Partial-1 93.6, Partial-2 94.2, fine-tuning 93.8).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/pets_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
