# UperNet on ADE20K with a frozen DINOv2 ViT-S/14 and Pro-tuning, 512x512 crops, 160k iterations (no
# paper numbers exist for this: docs/foundation-backbones.md). mmseg's recipe for plain ViTs
# (configs/vit/vit_vit-b16_mln_upernet_8xb2-160k: the maps of layers 3, 6, 9 and 12 through
# MultiLevelNeck at scales 4, 2, 1, 1/2; AdamW 6e-5, weight decay 0.01, poly decay, 8 GPUs x 2 images)
# with mmpretrain's DINOv2 ViT-S/14 (configs/dinov2/vit-small-p14_dinov2-pre_headless.py: 518x518
# position embedding, interpolated per input, layer scale 1e-5) and OpenMMLab's conversion of the
# official weights, frozen; prompt blocks at U5 (after the patch embedding and layers 3, 6, 9, 12).
# Neck and heads take the ViT-S width (384), as mmseg's DeiT-S variant of the recipe does.
_base_ = [
    'mmseg::vit/vit_vit-b16_mln_upernet_8xb2-160k_ade20k-512x512.py',
    '../../_base_/protuning_dense.py',
]
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)

model = dict(
    pretrained=None,  # the recipe's ImageNet ViT-B/16; the DINOv2 weights come with the backbone's init_cfg
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
            out_indices=(2, 5, 8, 11),
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://download.openmmlab.com/mmpretrain/v1.0/dinov2/vit-small-p14_dinov2-pre_3rdparty_20230426-5641ca5a.pth',  # noqa
                prefix='backbone.'))),
    neck=dict(in_channels=[384, 384, 384, 384], out_channels=384),
    decode_head=dict(in_channels=[384, 384, 384, 384]),
    auxiliary_head=dict(in_channels=384))

# Clear errors for label maps of the wrong size or with ids outside the 150 classes (see
# protuning_mm/datasets/seg_checks.py), right after LoadAnnotations; the rest is mmseg's pipeline.
# Imported below _base_ so that mmengine still reads this file as a text config.
from protuning_mm.datasets.seg_pipelines import with_seg_label_check  # noqa: E402

train_pipeline = with_seg_label_check(_base_.train_pipeline, num_classes=150)
test_pipeline = with_seg_label_check(_base_.test_pipeline, num_classes=150)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
custom_hooks = [*_base_.custom_hooks, dict(type='SegClassCheckHook')]  # keep the runtime's hooks
