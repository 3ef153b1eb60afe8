# UperNet ConvNeXt-T on ADE20K with Pro-tuning, 512x512 crops, 160k iterations: mmseg's own ConvNeXt-T
# config (its ImageNet-1k ConvNeXt-T weights, AdamW 1e-4 / weight decay 0.05, AMP, 8 GPUs x 2 images)
# with the ConvNeXt-T frozen inside ProTuningBackbone and a prompt block after each stage. No paper
# numbers exist for it (docs/foundation-backbones.md). mmseg's stage-wise learning-rate decay (0.9,
# LearningRateDecayOptimizerConstructor) recognises ConvNeXt by the backbone's class name and refuses the
# wrapper, so the optimizer is mmseg's AdamW without it (for `full`; the other paradigms train no
# backbone weight).
_base_ = [
    'mmseg::convnext/convnext-tiny_upernet_8xb2-amp-160k_ade20k-512x512.py',
    '../../_base_/protuning_dense.py',
]
# mmseg's config imports mmpretrain (its ConvNeXt); add the plugin (protuning_dense.py explains why
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
    optimizer={{_base_.optim_wrapper.optimizer}})  # AmpOptimWrapper's loss scale: 'dynamic', as mmseg's

# Clear errors for label maps of the wrong size or with ids outside the 150 classes (see
# protuning_mm/datasets/seg_checks.py), right after LoadAnnotations; the rest is mmseg's pipeline.
# Imported below _base_ so that mmengine still reads this file as a text config.
from protuning_mm.datasets.seg_pipelines import with_seg_label_check  # noqa: E402

train_pipeline = with_seg_label_check(_base_.train_pipeline, num_classes=150)
test_pipeline = with_seg_label_check(_base_.test_pipeline, num_classes=150)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
custom_hooks = [*_base_.custom_hooks, dict(type='SegClassCheckHook')]  # keep the runtime's hooks
