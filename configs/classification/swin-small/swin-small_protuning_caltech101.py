# Paper Table 2: Swin-S, Pro-tuning on Caltech-101: 94.7 top-1
# (paper, same column: training from scratch 66.1, head retraining 91.6, Partial-1 92.5, Partial-2 93.5, fine-tuning 96.2).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/caltech101_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
