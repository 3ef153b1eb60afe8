from .param_report import ParamReportHook, param_groups, param_report

__all__ = ['ParamReportHook', 'param_groups', 'param_report']
