# ImageNet-pretrained ResNet-101 (mmpretrain's resnet101_8xb32_in1k), frozen, with Pro-tuning prompt
# blocks after each of its four stages, then mmpretrain's GAP + linear head.
_base_ = ['mmpretrain::_base_/models/resnet101.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone=dict(
            type='ResNet',
            depth=101,
            out_indices=(3, ),
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://download.openmmlab.com/mmclassification/v0/resnet/'
                'resnet101_8xb32_in1k_20210831-539c63f8.pth',
                prefix='backbone'))),
    head=dict(num_classes=100))
