# Cascade Mask R-CNN R-50-FPN 1x with Pro-tuning on COCO 2017 (paper Table 5: 41.1 box AP, 57.4M
# trainable). The family with its baselines lives in configs/detection/cascade-mask-rcnn/.
_base_ = './detection/cascade-mask-rcnn/cascade-mask-rcnn_r50_fpn_protuning_1x_coco.py'
