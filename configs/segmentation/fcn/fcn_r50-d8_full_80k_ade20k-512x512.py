# Paper Table 6 baseline: FCN R-50-D8 on ADE20K, 80k iterations, full fine-tuning: every backbone
# parameter trains from the ImageNet weights (mmseg ResNetV1c has no frozen stages; paper: 35.9 mIoU,
# 49.6M trainable).
_base_ = './fcn_r50-d8_protuning_80k_ade20k-512x512.py'

model = dict(backbone=dict(paradigm='full'))
