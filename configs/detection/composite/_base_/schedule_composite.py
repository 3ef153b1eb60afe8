# The dense study's detection schedule (benchmarks/dense_payoff.py), shared by every paradigm of a row:
# AdamW, a linear warm-up then a step decay at 80 %, a fixed number of iterations, validation once at the
# end (the final box / mask AP is reported, not a best-of).
_base_ = 'mmdet::_base_/default_runtime.py'
max_iters = 1000
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=2e-4, weight_decay=0.05),
                     clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters, milestones=[int(max_iters * 0.8)], gamma=0.1),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=-1, save_last=True, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
