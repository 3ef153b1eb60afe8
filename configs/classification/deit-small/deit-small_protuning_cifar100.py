# Paper Table 2: DeiT-S, Pro-tuning on CIFAR-100: 88.0 top-1
# (paper, same column: training from scratch 74.1, head retraining 77.0, Partial-1 80.9, Partial-2 83.5, fine-tuning 87.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = [
    '../_base_/models/deit-small_protuning.py',
    '../_base_/datasets/cifar100_224.py',
    '../_base_/schedules/adamw-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
