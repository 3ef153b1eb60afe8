# ImageNet-pretrained MobileNetV2 (torchvision's weights, converted with
# tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py), frozen, with Pro-tuning prompt
# blocks after layer2/3/5/7 (the stride-4/8/16/32 levels), then mmpretrain's GAP + linear head.
# Used by the offline demo (tools/demo/mobilenetv2_mnist_demo.py), which writes the checkpoint.
_base_ = ['mmpretrain::_base_/models/mobilenet_v2_1x.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone=dict(
            type='MobileNetV2',
            widen_factor=1.0,
            init_cfg=dict(
                type='Pretrained',
                checkpoint='work_dirs/demo/mobilenet_v2_torchvision-in1k_mmpretrain.pth',
                prefix='backbone'))),
    # No num_classes: the leaf sets it from its dataset base's data_preprocessor.num_classes.
    head=dict(topk=(1, )))
