# Paper Table 2: Swin-B, Pro-tuning on CIFAR-100: 88.8 top-1
# (paper, same column: training from scratch 79.5, head retraining 79.1, Partial-1 81.0, Partial-2 84.3, fine-tuning 89.4).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = [
    '../_base_/models/swin-base_protuning.py',
    '../_base_/datasets/cifar100_224.py',
    '../_base_/schedules/adamw-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
