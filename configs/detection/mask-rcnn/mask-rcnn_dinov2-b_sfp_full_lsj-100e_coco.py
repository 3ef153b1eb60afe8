# Mask R-CNN with DINOv2 ViT-B/14, full fine-tuning (without ViTDet's layer-wise learning-rate decay, see
# the ViT-S/14 Pro-tuning config).
_base_ = './mask-rcnn_dinov2-b_sfp_protuning_lsj-100e_coco.py'

model = dict(backbone=dict(paradigm='full'))
