# ImageNet-pretrained ResNet-101 (mmpretrain's resnet101_8xb32_in1k): the ResNet-50 set-up, deeper.
_base_ = './resnet50_protuning.py'

model = dict(
    backbone=dict(backbone=dict(
        depth=101,
        init_cfg=dict(checkpoint='https://download.openmmlab.com/mmclassification/v0/resnet/'
                      'resnet101_8xb32_in1k_20210831-539c63f8.pth'))))
