# Paper Table 2: Swin-B, Pro-tuning on Oxford-IIIT Pets: 95.0 top-1
# (paper, same column: training from scratch 44.8, head retraining 92.8, Partial-1 93.6, Partial-2 94.4, fine-tuning 95.1).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-base.py', '../_base_/datasets/pets_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
