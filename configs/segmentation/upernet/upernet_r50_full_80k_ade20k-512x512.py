# Paper Table 6 baseline: UperNet R-50 on ADE20K, 80k iterations, full fine-tuning: every backbone parameter
# trains from the ImageNet weights (mmseg ResNetV1c has no frozen stages; paper: 40.7 mIoU, 66.5M).
_base_ = './upernet_r50_protuning_80k_ade20k-512x512.py'

model = dict(backbone=dict(paradigm='full'))
