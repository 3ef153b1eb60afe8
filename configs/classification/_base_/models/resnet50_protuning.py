# ImageNet-pretrained ResNet-50 (mmpretrain's checkpoint), frozen, with Pro-tuning prompt blocks
# after each of its four stages, then mmpretrain's GAP + linear head.
_base_ = ['mmpretrain::_base_/models/resnet50.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone=dict(
            type='ResNet',
            depth=50,
            out_indices=(3, ),
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://download.openmmlab.com/mmclassification/v0/resnet/'
                'resnet50_8xb32_in1k_20210831-ea4938fc.pth',
                prefix='backbone'))))
# mmpretrain's head, without num_classes: the leaf sets it from its dataset base's
# data_preprocessor.num_classes.

