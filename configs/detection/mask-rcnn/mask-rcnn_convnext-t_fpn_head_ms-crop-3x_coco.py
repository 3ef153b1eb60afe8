# Mask R-CNN ConvNeXt-T-FPN, head retraining: the ConvNeXt-T stays frozen; FPN, RPN and RoI heads train.
_base_ = './mask-rcnn_convnext-t_fpn_protuning_ms-crop-3x_coco.py'

model = dict(backbone=dict(paradigm='head'))
