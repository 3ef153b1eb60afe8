# 100 epochs, SGD + cosine, total batch 128 (8 GPUs x 16). Only the parameters the paradigm
# leaves trainable reach the optimizer (mmengine skips requires_grad=False ones).
_base_ = './_cos_100e.py'  # epochs, warm-up, cosine, batch

optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
