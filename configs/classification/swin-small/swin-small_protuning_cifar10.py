# Paper Table 2: Swin-S, Pro-tuning on CIFAR-10: 98.6 top-1
# (paper, same column: training from scratch 95.1, head retraining 93.3, Partial-1 94.4, Partial-2 96.8, fine-tuning 99.0).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = [
    '../_base_/models/swin-small_protuning.py',
    '../_base_/datasets/cifar10_224.py',
    '../_base_/schedules/adamw-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
