# resnet101: model, schedule and runtime; a leaf adds its dataset base and num_classes. SGD for the CNNs
# (our schedule: the paper does not publish its own; docs/classification.md).
_base_ = ['../models/resnet101_protuning.py', '../schedules/sgd-cos_100e.py', './_runtime.py']
