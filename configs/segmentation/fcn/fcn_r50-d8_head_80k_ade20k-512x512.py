# Paper Table 6 baseline: FCN R-50-D8 on ADE20K, 80k iterations, head retraining: the ResNet-50 stays
# frozen, only the FCNHead and the auxiliary FCNHead train (paper: 25.8 mIoU, 26.1M trainable).
_base_ = './fcn_r50-d8_protuning_80k_ade20k-512x512.py'

model = dict(backbone=dict(paradigm='head'))
