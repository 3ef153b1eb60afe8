# Paper Table 3: DeiT-S, Pro-tuning on CIFAR-10-C: 91.5 (FT 91.1, HR 79.7, TS 85.9) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = [
    '../_base_/models/deit-small_protuning.py',
    '../_base_/datasets/cifar10-c_224.py',
    '../_base_/schedules/adamw-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
