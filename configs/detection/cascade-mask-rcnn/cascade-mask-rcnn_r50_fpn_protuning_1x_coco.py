# Paper Table 5: Cascade Mask R-CNN R-50-FPN 1x on COCO 2017 with Pro-tuning. mmdet's own config,
# with its ImageNet-pretrained ResNet-50 (torchvision://resnet50) frozen inside ProTuningBackbone and
# a prompt block after each of its four stages; FPN, RPN and the cascade heads train.
# Paper: 41.1 box AP with 57.4M trainable parameters (fine-tuning 41.2 / 77.1M, head 34.2 / 53.8M).
_base_ = ['mmdet::cascade_rcnn/cascade-mask-rcnn_r50_fpn_1x_coco.py', '../../_base_/protuning_dense.py']
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone={{_base_.model.backbone}}))
