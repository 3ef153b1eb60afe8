# Paper Table 3: Swin-S, Pro-tuning on CIFAR-100-C: 70.7 (FT 70.4, HR 59.1, TS 59.1) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = [
    '../_base_/models/swin-small_protuning.py',
    '../_base_/datasets/cifar100-c_224.py',
    '../_base_/schedules/adamw-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
