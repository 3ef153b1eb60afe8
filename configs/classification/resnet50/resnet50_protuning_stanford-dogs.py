# Paper Table 1: ResNet-50, Pro-tuning on Stanford Dogs: 89.1 top-1
# (paper, same column: training from scratch 66.8, head retraining 88.9, Partial-1 87.4, Partial-2 85.8, fine-tuning 86.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = [
    '../_base_/models/resnet50_protuning.py',
    '../_base_/datasets/stanford-dogs_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
