# deit-base: model, schedule and runtime; a leaf adds its dataset base and num_classes. AdamW for the
# transformers (our schedule: the paper does not publish its own; docs/classification.md).
_base_ = ['../models/deit-base_protuning.py', '../schedules/adamw-cos_100e.py', './_runtime.py']
