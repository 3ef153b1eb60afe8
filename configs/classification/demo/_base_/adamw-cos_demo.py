# The demo's schedule, shared by every paradigm: AdamW (weight decay 0.05), cosine decay over the run
# with a 30-iteration linear warm-up (it also covers 1-epoch smoke runs), validation once at the end
# (the reported accuracy is the final epoch's, not a best-of). Base learning rate 1e-3, the best of
# {1e-4, 1e-3} for full fine-tuning; head retraining overrides it with its own best, 1e-2; Pro-tuning
# trains at 1e-3 with its prompts at 10x (prompt_lr_mult in configs/_base_/protuning_runtime.py).
# docs/prompt_recipe.md has the sweep and the same study under SGD.
max_epochs = 6
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()
