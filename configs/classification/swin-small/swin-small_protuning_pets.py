# Paper Table 2: Swin-S, Pro-tuning on Oxford-IIIT Pets: 95.0 top-1
# (paper, same column: training from scratch 52.9, head retraining 93.3, Partial-1 93.5, Partial-2 94.9, fine-tuning 94.6).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/pets_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
