# Dense payoff study (docs/dense_payoff.md): Mask R-CNN on a frozen ImageNet MobileNetV2, paradigm 'protuning', on
# the offline composite data set (tools/dataset_converters/make_composite_dense.py --out data/composite).
_base_ = [
    './_base_/mask-rcnn_mobilenetv2_fpn.py',
    '../_base_/datasets/composite-fashion_instance.py',
    './_base_/schedule_composite.py',
    '../../_base_/protuning_dense.py',
]
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)
# Prompts after all seven MobileNetV2 stages, not only the four that end a resolution (the adapter's
# default): +2.2 and +2.6 mIoU on UperNet in both seeds measured (docs/dense_payoff.md).
model = dict(backbone=dict(paradigm='protuning', positions='all'))
# Prompts at 10x the heads' rate, not the dense default's 1x: this schedule's AdamW rate (2e-4) is a fifth of
# the segmentation study's, and at 1x the prompts stayed weak and Pro-tuning scored head retraining's box AP
# (38.2); at 5x 41.1, at 10x 42.0, against 45.4 for full fine-tuning (seed 0, docs/dense_payoff.md).
prompt_lr_mult = 10.0
