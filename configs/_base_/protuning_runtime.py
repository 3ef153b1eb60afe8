# What every protuning-mm config adds to an upstream one: importing the plugin (registers
# ProTuningBackbone and friends), logging the trainable-parameter report when training starts and
# logging beta / prompt strength / prompt gradient norm every 50 iterations (PromptDiagnosticsHook;
# a no-op for paradigms without prompts).
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)
custom_hooks = [dict(type='ParamReportHook'), dict(type='DeltaCheckpointHook'),
                dict(type='PromptDiagnosticsHook', interval=50)]
# Prompt-only checkpoints (README, "Prompt-only checkpoints"): True saves only what trains plus a
# fingerprint of the frozen base; deltas load back (resume/test) either way. Full checkpoints stay
# the default so that every upstream tool reads them without this plugin's hook.
delta_checkpoint = False
delta_allow_base_mismatch = False
