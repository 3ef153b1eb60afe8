# Paper Table 2: DeiT-B, Pro-tuning on Caltech-101: 95.6 top-1
# (paper, same column: training from scratch 50.3, head retraining 91.8, Partial-1 93.2, Partial-2 93.9, fine-tuning 95.9).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-base.py', '../_base_/datasets/caltech101_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
