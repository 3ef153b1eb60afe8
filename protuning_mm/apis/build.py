"""Which OpenMMLab task a config is for, and building its model outside a Runner."""
from typing import Union

import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

# default_scope of a config -> the task it serves
TASK_KINDS = {'mmpretrain': 'classification', 'mmdet': 'detection', 'mmseg': 'segmentation'}


def task_kind(cfg: Config) -> str:
    """``'classification'``, ``'detection'`` or ``'segmentation'``, from the config's ``default_scope``.

    Raises:
        ValueError: For a config of another codebase, naming the supported scopes.
    """
    scope = cfg.get('default_scope')
    if scope not in TASK_KINDS:
        raise ValueError(f'Config default_scope {scope!r} is not supported; multi-task serving and '
                         f'delta merging handle {sorted(TASK_KINDS)} configs.')
    return TASK_KINDS[scope]


def build_task_model(cfg: Union[Config, str]) -> nn.Module:
    """Build ``cfg.model`` in the config's scope, as the Runner would (without its weight init).

    A ProTuningBackbone loads its frozen base (its inner ``init_cfg``/``pretrained``) while it is
    built, so the returned model holds the base weights; the rest is freshly initialised.

    Args:
        cfg (Config | str): A config (or its path) of an mmpretrain, mmdet or mmseg model.

    Returns:
        nn.Module: The model, in eval mode.
    """
    if isinstance(cfg, str):
        cfg = Config.fromfile(cfg)
    scope = cfg.get('default_scope')
    task_kind(cfg)
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:  # as Runner.__init__ does
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(model_cfg)
    return model.eval()
