# 100 epochs, AdamW + cosine, total batch 128 (8 GPUs x 16), for the transformer backbones. The
# learning rate follows DeiT's linear scaling rule (5e-4 per 512 images). Only the parameters the
# paradigm leaves trainable reach the optimizer (mmengine skips requires_grad=False ones).
_base_ = './_cos_100e.py'  # epochs, warm-up, cosine, batch

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=5e-4 * 128 / 512, weight_decay=0.05, betas=(0.9, 0.999)),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            '.cls_token': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0),
            '.absolute_pos_embed': dict(decay_mult=0.0),
            '.relative_position_bias_table': dict(decay_mult=0.0),
            '.beta': dict(decay_mult=0.0),
        }),
    clip_grad=dict(max_norm=5.0))
