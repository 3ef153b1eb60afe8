# HTC Swin-S-FPN 1x on COCO 2017 with Pro-tuning (not in the paper's Table 5): mmdet's Swin-S as in
# its swin configs (ImageNet-1k checkpoint of the original Swin release), frozen, with a prompt block
# after each stage's patch merging; mmdet's Swin recipe (AdamW 1e-4, weight decay 0.05).
_base_ = ['./htc_r50_fpn_protuning_1x_coco.py', '../_base_/swin-s.py']

model = dict(
    backbone=dict(backbone={{_base_.swin_s_backbone}}),
    neck=dict(in_channels={{_base_.swin_s_neck_in_channels}}))
optim_wrapper = {{_base_.swin_s_optim_wrapper}}
