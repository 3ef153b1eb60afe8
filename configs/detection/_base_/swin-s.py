# mmdet's Swin-S as in its swin configs (ImageNet-1k checkpoint of the original Swin release) and
# mmdet's Swin recipe (AdamW 1e-4, weight decay 0.05), as variables the detector configs pick up with
# {{_base_.swin_s_backbone}} (bases may not define the same top-level keys, e.g. `model`, twice).
swin_s_pretrained = 'https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_small_patch4_window7_224.pth'  # noqa
swin_s_backbone = dict(
    _delete_=True,
    type='SwinTransformer',
    embed_dims=96,
    depths=[2, 2, 18, 2],
    num_heads=[3, 6, 12, 24],
    window_size=7,
    mlp_ratio=4,
    qkv_bias=True,
    qk_scale=None,
    drop_rate=0.,
    attn_drop_rate=0.,
    drop_path_rate=0.2,
    patch_norm=True,
    out_indices=(0, 1, 2, 3),
    with_cp=False,
    convert_weights=True,
    init_cfg=dict(type='Pretrained', checkpoint=swin_s_pretrained))
swin_s_neck_in_channels = [96, 192, 384, 768]
swin_s_optim_wrapper = dict(
    type='OptimWrapper',
    paramwise_cfg=dict(
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.)
        }),
    optimizer=dict(_delete_=True, type='AdamW', lr=0.0001, betas=(0.9, 0.999), weight_decay=0.05))
