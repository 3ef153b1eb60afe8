# FCN R-50-D8 with Pro-tuning on ADE20K, 80k iterations (paper Table 6: 36.2 mIoU; 29.6M trainable
# here, 26.7M printed in the paper: see docs/segmentation.md). Baselines live in configs/segmentation/fcn/.
_base_ = './segmentation/fcn/fcn_r50-d8_protuning_80k_ade20k-512x512.py'
