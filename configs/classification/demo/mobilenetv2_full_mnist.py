# Offline demo, full fine-tuning: every MobileNetV2 weight trains, from the ImageNet checkpoint.
# lr 0.01 instead of the demo's 0.05: each paradigm takes the better of {0.01, 0.05} in a sweep on
# 1,000/500 digits, 4 epochs (full: 96.0 vs 24.6 %; head and Pro-tuning are better at 0.05).
_base_ = './mobilenetv2_protuning_mnist.py'
model = dict(backbone=dict(paradigm='full'))
optim_wrapper = dict(optimizer=dict(lr=0.01))
