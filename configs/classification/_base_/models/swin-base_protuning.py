# ImageNet-pretrained Swin-B (mmpretrain's swin-base_16xb64_in1k): the Swin-S set-up with the base arch
# (and its drop-path rate).
_base_ = './swin-small_protuning.py'

model = dict(
    backbone=dict(backbone=dict(
        arch='base',
        drop_path_rate=0.5,
        init_cfg=dict(checkpoint='https://download.openmmlab.com/mmclassification/v0/swin-transformer/'
                      'swin_base_224_b16x64_300e_imagenet_20210616_190742-93230b0d.pth'))),
    head=dict(in_channels=1024))
