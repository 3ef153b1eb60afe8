# Paper Table 2: DeiT-S, Pro-tuning on Stanford Dogs: 92.4 top-1
# (paper, same column: training from scratch 34.4, head retraining 92.7, Partial-1 92.6, Partial-2 92.2, fine-tuning 87.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/stanford-dogs_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
