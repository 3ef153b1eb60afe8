from .cpu_ddp import CPUDistributedDataParallel, finish_distributed, setup_cpu_distributed
from .delta_checkpoint import (
    DeltaCheckpointHook,
    base_fingerprint,
    check_delta,
    check_delta_checkpoint_cfg,
    complete_delta,
    frozen_state_keys,
    full_to_delta,
    is_delta,
    load_delta,
    merge_delta,
    save_delta,
)
from .param_report import ParamReportHook, param_groups, param_report, parse_param_report
from .prompt_diagnostics import PromptDiagnosticsHook, prompt_units
from .prompt_lr import prompt_param_keys, resolve_prompt_lr_mult, with_prompt_lr_mult
from .runner import ProTuningRunner
from .seg_class_check import SegClassCheckHook

__all__ = [
    'CPUDistributedDataParallel', 'SegClassCheckHook', 'setup_cpu_distributed', 'finish_distributed',
    'ParamReportHook', 'param_groups', 'param_report', 'parse_param_report',
    'PromptDiagnosticsHook', 'prompt_units', 'ProTuningRunner', 'prompt_param_keys', 'resolve_prompt_lr_mult',
    'with_prompt_lr_mult', 'DeltaCheckpointHook', 'base_fingerprint', 'check_delta', 'check_delta_checkpoint_cfg',
    'complete_delta',
    'frozen_state_keys', 'full_to_delta', 'is_delta', 'load_delta', 'merge_delta', 'save_delta'
]
