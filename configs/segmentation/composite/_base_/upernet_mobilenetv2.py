# UperNet on an ImageNet-pretrained MobileNetV2 wrapped in ProTuningBackbone
# (configs/_base_/mobilenetv2_in1k_protuning.py): its four levels (24/32/96/320 channels) feed mmseg's
# UPerHead. A narrow head (128 channels) keeps a CPU step short; BN, not SyncBN, so that one CPU process
# trains it.
_base_ = '../../../_base_/mobilenetv2_in1k_protuning.py'
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=(256, 256))  # the training crop (composite-fashion.py)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(type='ProTuningBackbone', paradigm='protuning', backbone={{_base_.mobilenetv2_in1k}}),
    decode_head=dict(
        type='UPerHead',
        in_channels=[24, 32, 96, 320],
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=128,
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
