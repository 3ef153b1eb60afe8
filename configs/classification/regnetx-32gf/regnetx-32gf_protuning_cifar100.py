# Paper Table 1: RegNetX-32GF, Pro-tuning on CIFAR-100: 87.4 top-1
# (paper, same column: training from scratch 81.5, head retraining 71.4, Partial-1 78.1, Partial-2 78.7, fine-tuning 87.2).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = [
    '../_base_/models/regnetx-32gf_protuning.py',
    '../_base_/datasets/cifar100_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
