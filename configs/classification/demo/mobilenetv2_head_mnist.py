# Offline demo, head retraining: the frozen ImageNet MobileNetV2 + a new linear head (only the head trains).
# lr 1e-2 instead of the demo's 1e-3: the best of {1e-3, 3e-3, 1e-2} for head retraining on the demo
# data (83.6 / 88.6 / 90.6 %, docs/prompt_recipe.md), so the baseline is not handicapped.
_base_ = './mobilenetv2_protuning_mnist.py'
model = dict(backbone=dict(paradigm='head'))
optim_wrapper = dict(optimizer=dict(lr=1e-2))
