# Paper Table 5 baseline: HTC R-50-FPN 1x, head retraining (frozen ResNet-50; neck and heads train).
# Paper: 37.5 box AP with 56.8M trainable parameters.
_base_ = './htc_r50_fpn_protuning_1x_coco.py'

model = dict(backbone=dict(paradigm='head'))
