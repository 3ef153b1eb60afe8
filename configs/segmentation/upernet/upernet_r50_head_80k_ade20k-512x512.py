# Paper Table 6 baseline: UperNet R-50 on ADE20K, 80k iterations, head retraining: the ResNet-50 stays frozen,
# only the UPerHead and the auxiliary FCNHead train (paper: 38.7 mIoU, 43.0M trainable).
_base_ = './upernet_r50_protuning_80k_ade20k-512x512.py'

model = dict(backbone=dict(paradigm='head'))
