"""Serving: build task models from configs and run many tasks on one frozen backbone."""
from .build import TASK_KINDS, build_task_model, task_kind
from .multitask import MultiTaskInferencer

__all__ = ['MultiTaskInferencer', 'build_task_model', 'task_kind', 'TASK_KINDS']
