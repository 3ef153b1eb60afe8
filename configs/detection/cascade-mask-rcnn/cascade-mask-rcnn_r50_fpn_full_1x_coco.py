# Paper Table 5 baseline: Cascade Mask R-CNN R-50-FPN 1x, full fine-tuning. The wrapper leaves the
# backbone to its own frozen_stages=1 / norm_eval=True, exactly as mmdet's config trains it.
# Paper: 41.2 box AP with 77.1M trainable parameters.
_base_ = './cascade-mask-rcnn_r50_fpn_protuning_1x_coco.py'

model = dict(backbone=dict(paradigm='full'))
