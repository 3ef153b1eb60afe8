# torchvision's ImageNet MobileNetV2 as mmpretrain's MobileNetV2 (its checkpoint converted by
# tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py; benchmarks/dense_payoff.py writes it),
# returning the four levels layer2/3/5/7 (strides 4/8/16/32, 24/32/96/320 channels). The dense study's
# bases wrap it: `backbone=dict(type='ProTuningBackbone', backbone={{_base_.mobilenetv2_in1k}})`.
mobilenetv2_in1k = dict(
    type='mmpretrain.MobileNetV2',
    widen_factor=1.0,
    out_indices=(1, 2, 4, 6),
    init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/dense_payoff/mobilenet_v2_torchvision-in1k_mmpretrain.pth',
        prefix='backbone'))
