# What every protuning-mm config adds to an upstream one besides importing the plugin (that is
# protuning_runtime.py, which inherits this file): logging the trainable-parameter report when training
# starts and logging beta / prompt strength / prompt gradient norm every 50 iterations
# (PromptDiagnosticsHook; a no-op for paradigms without prompts). A config whose upstream base already
# sets custom_imports (mmdet's and mmseg's ConvNeXt configs import mmpretrain.models) lists this file
# instead of protuning_runtime.py and extends custom_imports itself: mmengine refuses a key that two
# bases of one config both set.
custom_hooks = [dict(type='ParamReportHook'), dict(type='DeltaCheckpointHook'),
                dict(type='PromptDiagnosticsHook', interval=50)]
# Prompt-only checkpoints (docs/checkpoints-and-serving.md): True saves only what trains plus a
# fingerprint of the frozen base; deltas load back (resume/test) either way. Full checkpoints stay
# the default so that every upstream tool reads them without this plugin's hook.
delta_checkpoint = False
delta_allow_base_mismatch = False
# The prompt recipe (docs/prompt_recipe.md): the prompt blocks and beta train at prompt_lr_mult times
# the optimizer's base learning rate (the head and everything else at 1x); betas get no weight decay.
# Set per optimizer type, since SGD's step grows with the gradient and AdamW's does not: on real data
# AdamW's prompts needed 10x to close most of the head -> full fine-tuning gap, while SGD diverged
# above 3x. That is the classification recipe; detection and segmentation configs list
# protuning_dense.py, which trains the prompts at 1x (docs/dense_payoff.md). ProTuningRunner applies it
# (mmengine-based train scripts honour runner_type); override with e.g. --cfg-options prompt_lr_mult=1.0.
runner_type = 'ProTuningRunner'
prompt_lr_mult = dict(SGD=3.0, AdamW=10.0, default=1.0)
