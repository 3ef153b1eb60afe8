# The runtime every classification run shares: mmpretrain's default one (hooks, logging, default
# scope) plus what protuning-mm adds to any upstream config (plugin import, hooks, runner).
_base_ = ['mmpretrain::_base_/default_runtime.py', '../../../_base_/protuning_runtime.py']
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)
