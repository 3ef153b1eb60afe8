# Paper Table 5 baseline: Cascade Mask R-CNN R-50-FPN 1x, head retraining (frozen ResNet-50; neck
# and heads train). Paper: 34.2 box AP with 53.8M trainable parameters.
_base_ = './cascade-mask-rcnn_r50_fpn_protuning_1x_coco.py'

model = dict(backbone=dict(paradigm='head'))
