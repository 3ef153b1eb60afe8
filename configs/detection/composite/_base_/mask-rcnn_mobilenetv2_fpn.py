# Mask R-CNN with FPN on an ImageNet-pretrained MobileNetV2 wrapped in ProTuningBackbone
# (configs/_base_/mobilenetv2_in1k_protuning.py; its four levels have 24/32/96/320 channels): mmdet's
# Mask R-CNN R-50-FPN, narrowed to 128 FPN channels so that a CPU step stays short.
_base_ = ['mmdet::_base_/models/mask-rcnn_r50_fpn.py', '../../../_base_/mobilenetv2_in1k_protuning.py']
width = 128
model = dict(
    backbone=dict(_delete_=True, type='ProTuningBackbone', paradigm='protuning', backbone={{_base_.mobilenetv2_in1k}}),
    neck=dict(in_channels=[24, 32, 96, 320], out_channels=width),
    rpn_head=dict(in_channels=width, feat_channels=width),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=width),
        bbox_head=dict(in_channels=width, fc_out_channels=512, num_classes=10),
        mask_roi_extractor=dict(out_channels=width),
        mask_head=dict(in_channels=width, conv_out_channels=width, num_classes=10)))
