# UperNet Swin-S on ADE20K with Pro-tuning, 512x512 crops, 80k iterations (not in the paper's Table 6,
# which reports ResNet-50 only): mmseg's Swin-S UperNet config (ImageNet-1k Swin-S, AdamW 6e-5,
# 8 GPUs x 2 images) with its 160k schedule shortened to the paper's 80k. The Swin-S is frozen inside
# ProTuningBackbone with a prompt block after each stage's patch merging (1.45M, docs/design.md); the
# UPerHead and the auxiliary FCNHead train.
_base_ = [
    'mmseg::swin/swin-small-patch4-window7-in1k-pre_upernet_8xb2-160k_ade20k-512x512.py',
    '../../_base_/protuning_dense.py',
]
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone={{_base_.model.backbone}}))

# 80k iterations: mmseg's warm-up, then poly decay to the end, evaluated and saved every 8k.
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=1500, end=80000, by_epoch=False),
]
train_cfg = dict(max_iters=80000, val_interval=8000)
default_hooks = dict(checkpoint=dict(interval=8000))

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
