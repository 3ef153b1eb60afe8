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
