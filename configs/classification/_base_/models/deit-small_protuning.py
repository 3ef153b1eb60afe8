# ImageNet-pretrained DeiT-S (mmpretrain's deit-small_4xb256_in1k), frozen, with Pro-tuning prompt
# blocks at the U5 positions (after the patch embedding and layers 3, 6, 9, 12), then the
# class-token linear head.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone=dict(
            type='VisionTransformer',
            arch='deit-small',
            img_size=224,
            patch_size=16,
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://download.openmmlab.com/mmclassification/v0/deit/'
                'deit-small_pt-4xb256_in1k_20220218-9425b9bb.pth',
                prefix='backbone'))),
    neck=None,
    # No num_classes: the leaf sets it from its dataset base's data_preprocessor.num_classes.
    head=dict(
        type='VisionTransformerClsHead',
        in_channels=384,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
    # No model-level init_cfg: upstream's TruncNormal on every Linear would run after the wrapper
    # loaded the pre-trained backbone and overwrite it.
    init_cfg=None)
