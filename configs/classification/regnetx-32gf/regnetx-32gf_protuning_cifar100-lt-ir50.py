# Paper Table 1: RegNetX-32GF, Pro-tuning on long-tailed CIFAR-100 (IR 50): 68.2 top-1
# (paper, same column: training from scratch 46.3, head retraining 59.6, Partial-1 62.2, Partial-2 62.4, fine-tuning 68.9).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = [
    '../_base_/models/regnetx-32gf_protuning.py',
    '../_base_/datasets/cifar100-lt-ir50_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
