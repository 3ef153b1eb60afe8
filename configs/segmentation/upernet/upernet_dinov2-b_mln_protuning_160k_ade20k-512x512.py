# UperNet on ADE20K with a frozen DINOv2 ViT-B/14 and Pro-tuning: the ViT-S/14 config with mmpretrain's
# DINOv2 ViT-B/14 (configs/dinov2/vit-base-p14_dinov2-pre_headless.py) and its weights; neck and heads at
# the ViT-B width (768) of mmseg's ViT-B recipe.
_base_ = './upernet_dinov2-s_mln_protuning_160k_ade20k-512x512.py'

model = dict(
    backbone=dict(
        backbone=dict(
            arch='base',
            init_cfg=dict(
                checkpoint='https://download.openmmlab.com/mmpretrain/v1.0/dinov2/vit-base-p14_dinov2-pre_3rdparty_20230426-ba246503.pth'))),  # noqa
    neck=dict(in_channels=[768, 768, 768, 768], out_channels=768),
    decode_head=dict(in_channels=[768, 768, 768, 768]),
    auxiliary_head=dict(in_channels=768))
