# What every protuning-mm config adds to an upstream one: importing the plugin (registers
# ProTuningBackbone and friends) and the hooks, checkpoint and learning-rate settings of
# protuning_training.py.
_base_ = ['./protuning_training.py']
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)
