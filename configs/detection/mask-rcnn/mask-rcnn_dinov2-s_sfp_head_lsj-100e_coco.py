# Mask R-CNN with a frozen DINOv2 ViT-S/14, head retraining: only the neck and the heads train.
_base_ = './mask-rcnn_dinov2-s_sfp_protuning_lsj-100e_coco.py'

model = dict(backbone=dict(paradigm='head'))
