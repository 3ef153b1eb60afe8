# Paper Table 6: UperNet R-50 (+ FCN auxiliary head) on ADE20K, 512x512 crops, 80k iterations, with
# Pro-tuning. mmseg's own config (SGD 0.01, poly, 4 GPUs x 4 images), with its ImageNet-pretrained
# ResNet-50-V1c (model.pretrained = open-mmlab://resnet50_v1c) frozen inside ProTuningBackbone and a
# prompt block after each of its four stages; the UPerHead and the auxiliary FCNHead train.
# Paper: 41.3 mIoU with 46.6M trainable parameters (fine-tuning 40.7 / 66.5M, head 38.7 / 43.0M).
_base_ = ['mmseg::upernet/upernet_r50_4xb4-80k_ade20k-512x512.py', '../../_base_/protuning_dense.py']
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone={{_base_.model.backbone}}))

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
