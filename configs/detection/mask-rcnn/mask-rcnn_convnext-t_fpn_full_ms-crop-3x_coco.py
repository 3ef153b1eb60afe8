# Mask R-CNN ConvNeXt-T-FPN, full fine-tuning (mmdet's recipe without its layer-wise learning-rate decay,
# see the Pro-tuning config).
_base_ = './mask-rcnn_convnext-t_fpn_protuning_ms-crop-3x_coco.py'

model = dict(backbone=dict(paradigm='full'))
