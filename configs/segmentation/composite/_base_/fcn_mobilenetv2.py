# FCN on an ImageNet-pretrained MobileNetV2 wrapped in ProTuningBackbone (see upernet_mobilenetv2.py for the
# backbone). The FCN head reads all four levels resized to stride 4 and concatenated (mmseg's
# input_transform='resize_concat'): a head on the stride-32 map alone leaves little for the backbone's
# adaptation to change on small objects.
_base_ = ['./upernet_mobilenetv2.py']
model = dict(
    decode_head=dict(
        _delete_=True,
        type='FCNHead',
        in_channels=[24, 32, 96, 320],
        in_index=[0, 1, 2, 3],
        input_transform='resize_concat',
        channels=128,
        num_convs=2,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg={{_base_.norm_cfg}},
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
