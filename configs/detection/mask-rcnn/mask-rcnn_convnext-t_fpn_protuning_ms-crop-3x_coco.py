# Mask R-CNN ConvNeXt-T-FPN on COCO 2017 with Pro-tuning: mmdet's own ConvNeXt-T config (its
# ImageNet-1k ConvNeXt-T weights, multi-scale + crop augmentation, 36 epochs, AdamW 1e-4 / weight decay
# 0.05, AMP) with the ConvNeXt-T frozen inside ProTuningBackbone and a prompt block after each stage.
# No paper numbers exist for it (docs/foundation-backbones.md). mmdet's layer-wise learning-rate decay
# (0.95, LearningRateDecayOptimizerConstructor) recognises ConvNeXt by the backbone's class name and
# refuses the wrapper, so the optimizer is mmdet's AdamW without it (for `full`; the other paradigms
# train no backbone weight).
_base_ = [
    'mmdet::convnext/mask-rcnn_convnext-t-p4-w7_fpn_amp-ms-crop-3x_coco.py',
    '../../_base_/protuning_dense.py',
]
# mmdet's config imports mmpretrain (its ConvNeXt); add the plugin (protuning_dense.py explains why
# this config does not list protuning_runtime.py).
custom_imports = dict(imports=['mmpretrain.models', 'protuning_mm'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone={{_base_.model.backbone}}))
optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    optimizer={{_base_.optim_wrapper.optimizer}})
