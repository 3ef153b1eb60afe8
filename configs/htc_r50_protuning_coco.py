# HTC R-50-FPN 1x with Pro-tuning on COCO 2017 (paper Table 5: 42.2 box AP, 60.4M trainable).
# The family with its baselines lives in configs/detection/htc/.
_base_ = './detection/htc/htc_r50_fpn_protuning_1x_coco.py'
