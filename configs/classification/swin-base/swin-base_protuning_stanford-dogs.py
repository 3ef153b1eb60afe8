# Paper Table 2: Swin-B, Pro-tuning on Stanford Dogs: 95.5 top-1
# (paper, same column: training from scratch 5.2, head retraining 95.6, Partial-1 95.5, Partial-2 95.5, fine-tuning 91.8).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-base.py', '../_base_/datasets/stanford-dogs_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
