# Mask R-CNN on COCO 2017 with a frozen DINOv2 ViT-S/14 and Pro-tuning (no paper numbers exist for
# this: docs/foundation-backbones.md). ViTDet's way of putting a plain ViT under Mask R-CNN (Li et al.,
# 2022, arXiv:2203.16527): the last ViT map only, resized to a simple feature pyramid; its LSJ recipe.
# - Backbone: mmpretrain's DINOv2 ViT-S/14 (configs/dinov2/vit-small-p14_dinov2-pre_headless.py: 518x518
#   position embedding, interpolated per input, layer scale 1e-5) with OpenMMLab's conversion of the
#   official weights, frozen; prompt blocks at U5 (after the patch embedding and layers 3, 6, 9, 12).
# - Neck: mmseg's MultiLevelNeck on the last map (stride 14) at scales 14/4 ... 14/64, i.e. the strides
#   4-64 that Mask R-CNN's RPN anchors and RoI extractor expect.
# - Data and schedule: mmdet's common/lsj-100e (1024x1024 large-scale jitter, 25 epochs of a 4x repeated
#   COCO = 100 epochs, steps at 88 and 96) with ViTDet's optimizer (AdamW 1e-4, weight decay 0.1, AMP,
#   250-iteration warm-up), batch 64 (32 GPUs x 2 images). ViTDet's layer-wise learning-rate decay
#   (0.7) is a constructor of mmdet's projects/ViTDet, not of mmdet itself: not applied (it concerns
#   the `full` paradigm only, the others train no backbone weight).
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    'mmdet::common/lsj-100e_coco-instance.py',
    '../../_base_/protuning_dense.py',
]
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)

image_size = (1024, 1024)
model = dict(
    data_preprocessor=dict(
        pad_size_divisor=32, batch_augments=[dict(type='BatchFixedSizePad', size=image_size, pad_mask=True)]),
    backbone=dict(
        _delete_=True,
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone=dict(
            type='mmpretrain.VisionTransformer',
            arch='dinov2-s',
            img_size=518,
            patch_size=14,
            layer_scale_init_value=1e-5,
            out_type='featmap',
            out_indices=(11, ),
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://download.openmmlab.com/mmpretrain/v1.0/dinov2/vit-small-p14_dinov2-pre_3rdparty_20230426-5641ca5a.pth',  # noqa
                prefix='backbone.'))),
    neck=dict(
        _delete_=True,
        type='mmseg.MultiLevelNeck',
        in_channels=[384],
        out_channels=256,
        scales=[14 / 4, 14 / 8, 14 / 16, 14 / 32, 14 / 64]))

optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    optimizer=dict(type='AdamW', lr=0.0001, betas=(0.9, 0.999), weight_decay=0.1))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=250),
    dict(type='MultiStepLR', begin=0, end=25, by_epoch=True, milestones=[22, 24], gamma=0.1),
]
