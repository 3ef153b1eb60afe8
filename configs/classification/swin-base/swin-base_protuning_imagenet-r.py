# Paper Table 4: Swin-B, Pro-tuning on ImageNet-R: 46.6 (FT 47.4, HR 46.6, TS 30.3) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = [
    '../_base_/models/swin-base_protuning.py',
    '../_base_/datasets/imagenet-r_224.py',
    '../_base_/schedules/adamw-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
