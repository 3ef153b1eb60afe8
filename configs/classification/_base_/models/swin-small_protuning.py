# ImageNet-pretrained Swin-S (mmpretrain's swin-small_16xb64_in1k), frozen, with Pro-tuning prompt
# blocks after each of its four stages (after patch merging, i.e. the original Swin BasicLayer
# outputs), then GAP + linear head.
_base_ = ['mmpretrain::_base_/models/swin_transformer/small_224.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='ProTuningBackbone',
        paradigm='protuning',
        backbone=dict(
            type='SwinTransformer',
            arch='small',
            img_size=224,
            drop_path_rate=0.3,
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://download.openmmlab.com/mmclassification/v0/swin-transformer/'
                'swin_small_224_b16x64_300e_imagenet_20210615_110219-7f9d988b.pth',
                prefix='backbone'))),
    # mmpretrain's head; no num_classes here: the leaf sets it from its dataset base's
    # data_preprocessor.num_classes.
    # No model-level init_cfg: upstream's TruncNormal on every Linear would run after the wrapper
    # loaded the pre-trained backbone and overwrite it. No Mixup/CutMix (an ImageNet training
    # recipe): transfer runs train on the plain labels.
    init_cfg=None,
    train_cfg=None)
