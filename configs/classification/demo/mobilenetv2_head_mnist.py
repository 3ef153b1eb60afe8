# Offline demo, head retraining: the frozen ImageNet MobileNetV2 + a new linear head (only the head trains).
_base_ = './mobilenetv2_protuning_mnist.py'
model = dict(backbone=dict(paradigm='head'))
