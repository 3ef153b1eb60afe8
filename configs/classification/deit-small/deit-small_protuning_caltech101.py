# Paper Table 2: DeiT-S, Pro-tuning on Caltech-101: 94.3 top-1
# (paper, same column: training from scratch 50.1, head retraining 90.6, Partial-1 91.5, Partial-2 92.7, fine-tuning 94.8).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/caltech101_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
