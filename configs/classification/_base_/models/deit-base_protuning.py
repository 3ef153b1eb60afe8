# ImageNet-pretrained DeiT-B (mmpretrain's deit-base_16xb64_in1k): the DeiT-S set-up with the base arch.
_base_ = './deit-small_protuning.py'

model = dict(
    backbone=dict(backbone=dict(
        arch='deit-base',
        init_cfg=dict(checkpoint='https://download.openmmlab.com/mmclassification/v0/deit/'
                      'deit-base_pt-16xb64_in1k_20220216-db63c16c.pth'))),
    head=dict(in_channels=768))
