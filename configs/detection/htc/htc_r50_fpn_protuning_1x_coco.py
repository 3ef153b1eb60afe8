# Paper Table 5: HTC R-50-FPN 1x on COCO 2017 with Pro-tuning. mmdet's own config, with its
# ImageNet-pretrained ResNet-50 (torchvision://resnet50) frozen inside ProTuningBackbone and a prompt
# block after each of its four stages; FPN, RPN, the cascade heads and the semantic head train.
# Paper: 42.2 box AP with 60.4M trainable parameters (fine-tuning 42.3 / 80.0M, head 37.5 / 56.8M).
_base_ = ['mmdet::htc/htc_r50_fpn_1x_coco.py', '../../_base_/protuning_dense.py']
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone={{_base_.model.backbone}}))
