# Paper Table 2: DeiT-S, Pro-tuning on Stanford Dogs: 92.4 top-1
# (paper, same column: training from scratch 34.4, head retraining 92.7, Partial-1 92.6, Partial-2 92.2, fine-tuning 87.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = [
    '../_base_/models/deit-small_protuning.py',
    '../_base_/datasets/stanford-dogs_224.py',
    '../_base_/schedules/adamw-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
