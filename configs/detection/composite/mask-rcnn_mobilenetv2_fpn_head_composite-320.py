# Dense payoff study (docs/dense_payoff.md): Mask R-CNN on a frozen ImageNet MobileNetV2, paradigm 'head', on
# the offline composite data set (tools/dataset_converters/make_composite_dense.py --out data/composite).
_base_ = [
    './_base_/mask-rcnn_mobilenetv2_fpn.py',
    '../_base_/datasets/composite-fashion_instance.py',
    './_base_/schedule_composite.py',
    '../../_base_/protuning_dense.py',
]
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)
model = dict(backbone=dict(paradigm='head'))
