# Paper Table 2: DeiT-B, Pro-tuning on Caltech-101: 95.6 top-1
# (paper, same column: training from scratch 50.3, head retraining 91.8, Partial-1 93.2, Partial-2 93.9, fine-tuning 95.9).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = [
    '../_base_/models/deit-base_protuning.py',
    '../_base_/datasets/caltech101_224.py',
    '../_base_/schedules/adamw-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
