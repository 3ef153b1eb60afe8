# Paper Table 1: ResNet-101, Pro-tuning on Stanford Dogs: 90.3 top-1
# (paper, same column: training from scratch 69.0, head retraining 90.5, Partial-1 89.5, Partial-2 88.0, fine-tuning 87.9).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = [
    '../_base_/models/resnet101_protuning.py',
    '../_base_/datasets/stanford-dogs_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
