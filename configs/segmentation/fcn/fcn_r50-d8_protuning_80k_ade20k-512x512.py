# Paper Table 6: FCN R-50-D8 (+ FCN auxiliary head) on ADE20K, 512x512 crops, 80k iterations, with
# Pro-tuning. mmseg's own config (SGD 0.01, poly, 4 GPUs x 4 images), with its ImageNet-pretrained
# dilated ResNet-50-V1c (model.pretrained = open-mmlab://resnet50_v1c) frozen inside ProTuningBackbone
# and a prompt block after each of its four stages; the FCNHead and the auxiliary FCNHead train.
# Paper: 36.2 mIoU (fine-tuning 35.9 / 49.6M, head 25.8 / 26.1M). The paper prints 26.7M trainable
# parameters for this row; with the same four prompt blocks as every other ResNet-50 row (3.5M) this
# config trains 29.6M (docs/segmentation.md explains the difference).
_base_ = ['mmseg::fcn/fcn_r50-d8_4xb4-80k_ade20k-512x512.py', '../../_base_/protuning_dense.py']
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
