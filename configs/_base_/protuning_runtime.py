# What every protuning-mm config adds to an upstream one: importing the plugin (registers
# ProTuningBackbone and friends) and logging the trainable-parameter report when training starts.
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)
custom_hooks = [dict(type='ParamReportHook')]
