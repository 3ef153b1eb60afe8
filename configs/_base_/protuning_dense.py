# The dense-prediction recipe (detection and segmentation), shared by every shipped mmdet and mmseg config:
# the hooks and checkpoint settings of protuning_training.py, with the prompt blocks and beta at the same
# learning rate as the neck and heads (prompt_lr_mult = 1). docs/dense_payoff.md measured why (UperNet on
# an ImageNet MobileNetV2, AdamW, 1,500 iterations): prompts at 1x closed the most of the gap from head
# retraining to full fine-tuning; at 3x less, and at the classification recipe's 10x the prompt after the
# last stage grew to 11x the feature it is added to and Pro-tuning fell below head retraining. A dense
# head trains on the prompted maps of every level at once, from the first step, so the prompts do not
# need the extra rate a linear classifier on pooled features does. It is also what a config that only
# imports the plugin and wraps its backbone gets (no runner needed).
# Too slow where the heads' rate is low: the composite Mask R-CNN (AdamW 2e-4) needs 10x and sets it.
# Not listed with protuning_runtime.py: each config imports the plugin itself (custom_imports), since
# mmengine refuses a key set by two bases and some upstream bases set custom_imports.
_base_ = ['./protuning_training.py']
prompt_lr_mult = 1.0
