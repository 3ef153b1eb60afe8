# HTC R-50-FPN 1x, Pro-tuning and fine-tuning together (prompt blocks + the backbone, whose own
# frozen_stages=1 / norm_eval=True stay in force); cf. paper Table 7 for classification.
_base_ = './htc_r50_fpn_protuning_1x_coco.py'

model = dict(backbone=dict(paradigm='protuning+full'))
