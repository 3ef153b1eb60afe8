# Paper Table 2: Swin-B, Pro-tuning on Caltech-101: 93.8 top-1
# (paper, same column: training from scratch 67.4, head retraining 92.1, Partial-1 92.5, Partial-2 93.4, fine-tuning 96.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-base.py', '../_base_/datasets/caltech101_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
