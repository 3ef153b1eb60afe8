# Mask R-CNN on COCO 2017 with a frozen DINOv2 ViT-B/14 and Pro-tuning: the ViT-S/14 config with
# mmpretrain's DINOv2 ViT-B/14 (configs/dinov2/vit-base-p14_dinov2-pre_headless.py) and its weights.
_base_ = './mask-rcnn_dinov2-s_sfp_protuning_lsj-100e_coco.py'

model = dict(
    backbone=dict(
        backbone=dict(
            arch='base',
            init_cfg=dict(
                checkpoint='https://download.openmmlab.com/mmpretrain/v1.0/dinov2/vit-base-p14_dinov2-pre_3rdparty_20230426-ba246503.pth'))),  # noqa
    neck=dict(in_channels=[768]))
