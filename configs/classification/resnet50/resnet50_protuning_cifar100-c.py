# Paper Table 3: ResNet-50, Pro-tuning on CIFAR-100-C: 58.6 (FT 57.4, HR 43.6, TS 58.2) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = [
    '../_base_/models/resnet50_protuning.py',
    '../_base_/datasets/cifar100-c_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
