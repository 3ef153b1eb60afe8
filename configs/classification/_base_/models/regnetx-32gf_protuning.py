# ImageNet-pretrained RegNetX-32GF, frozen, with Pro-tuning prompt blocks after each of its four
# stages (widths 336/672/1344/2520), then GAP + linear head.
#
# mmpretrain has no RegNetX-32GF preset or checkpoint, so the arch is given explicitly
# (Radosavovic et al., 2020) and the weights are pycls' ImageNet model, converted to the
# ResNet-style key layout that mmpretrain's RegNet shares with mmdet's by mmdet's converter:
#   wget https://dl.fbaipublicfiles.com/pycls/dds_baselines/158188473/RegNetX-32GF_dds_8gpu.pyth
#   python $(python -c "import mmdet, os; print(os.path.dirname(mmdet.__file__))")/.mim/tools/\
#     model_converters/regnet2mmdet.py RegNetX-32GF_dds_8gpu.pyth checkpoints/regnetx-32gf_pycls-in1k.pth
# (keys without a prefix, hence no `prefix` below). Point elsewhere with
#   --cfg-options model.backbone.backbone.init_cfg.checkpoint=PATH
_base_ = ['mmpretrain::_base_/models/regnet/regnetx_400mf.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone=dict(
            type='RegNet',
            arch=dict(w0=320, wa=69.86, wm=2.0, group_w=168, depth=23, bot_mul=1.0),
            out_indices=(3, ),
            init_cfg=dict(type='Pretrained', checkpoint='checkpoints/regnetx-32gf_pycls-in1k.pth'))),
    # No num_classes: the leaf sets it from its dataset base's data_preprocessor.num_classes.
    head=dict(in_channels=2520))
