# The demo's schedule, shared by every paradigm (full fine-tuning lowers lr to 0.01): SGD + momentum,
# cosine decay over the run with a 30-iteration linear warm-up (it also covers 1-epoch smoke runs),
# validation once at the end (the reported accuracy is the final epoch's, not a best-of).
max_epochs = 6
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()
