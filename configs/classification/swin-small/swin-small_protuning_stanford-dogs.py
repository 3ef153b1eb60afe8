# Paper Table 2: Swin-S, Pro-tuning on Stanford Dogs: 94.5 top-1
# (paper, same column: training from scratch 45.9, head retraining 95.0, Partial-1 94.9, Partial-2 94.8, fine-tuning 90.2).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/stanford-dogs_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
