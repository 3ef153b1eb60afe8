# Mask R-CNN with FPN on an ImageNet-pretrained MobileNetV2 (torchvision's weights converted to mmpretrain's
# layout; benchmarks/dense_payoff.py writes the checkpoint), wrapped in ProTuningBackbone with a prompt
# block after each of the four levels layer2/3/5/7 (strides 4/8/16/32, 24/32/96/320 channels). mmdet's
# Mask R-CNN R-50-FPN, narrowed to 128 FPN channels so that a CPU step stays short.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'
width = 128
model = dict(
    backbone=dict(
        _delete_=True,
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone=dict(
            type='mmpretrain.MobileNetV2',
            widen_factor=1.0,
            out_indices=(1, 2, 4, 6),
            init_cfg=dict(
                type='Pretrained',
                checkpoint='work_dirs/dense_payoff/mobilenet_v2_torchvision-in1k_mmpretrain.pth',
                prefix='backbone'))),
    neck=dict(in_channels=[24, 32, 96, 320], out_channels=width),
    rpn_head=dict(in_channels=width, feat_channels=width),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=width),
        bbox_head=dict(in_channels=width, fc_out_channels=512, num_classes=10),
        mask_roi_extractor=dict(out_channels=width),
        mask_head=dict(in_channels=width, conv_out_channels=width, num_classes=10)))
