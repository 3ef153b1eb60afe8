# What both optimizers' schedules share: 100 epochs, 5 linear warm-up epochs then cosine, total batch
# 128 (8 GPUs x 16; --auto-scale-lr rescales from it), validation every 5 epochs.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=95, by_epoch=True, begin=5, end=100),
]
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
