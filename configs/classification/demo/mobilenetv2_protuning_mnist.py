# Offline demo: Pro-tuning a frozen ImageNet MobileNetV2 on MNIST digits (prompt blocks + beta +
# linear head train). Run all three paradigms with `python tools/demo/mobilenetv2_mnist_demo.py`.
_base_ = [
    '../_base_/models/mobilenetv2_protuning.py',
    './_base_/mnist-digits_64.py',
    './_base_/adamw-cos_demo.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=-1, save_last=True, max_keep_ckpts=1))
randomness = dict(seed=0)
