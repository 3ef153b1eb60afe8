# Paper Table 2: DeiT-B, Pro-tuning on Stanford Dogs: 95.9 top-1
# (paper, same column: training from scratch 29.8, head retraining 96.0, Partial-1 95.8, Partial-2 95.6, fine-tuning 91.2).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-base.py', '../_base_/datasets/stanford-dogs_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
