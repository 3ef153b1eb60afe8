# UperNet R-50 with Pro-tuning on ADE20K, 80k iterations (paper Table 6: 41.3 mIoU, 46.6M trainable).
# The family with its baselines (head, full, protuning+full) and Swin-S lives in configs/segmentation/.
_base_ = './segmentation/upernet/upernet_r50_protuning_80k_ade20k-512x512.py'
