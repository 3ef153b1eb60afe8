# Paper Table 5 baseline: HTC R-50-FPN 1x, full fine-tuning. The wrapper leaves the backbone to its
# own frozen_stages=1 / norm_eval=True, exactly as mmdet's config trains it.
# Paper: 42.3 box AP with 80.0M trainable parameters.
_base_ = './htc_r50_fpn_protuning_1x_coco.py'

model = dict(backbone=dict(paradigm='full'))
