"""Tiny real training runs (mmengine Runner, in-process) for the hook and run-record tests.

A ResNet-18 (random init, frozen) wrapped in ProTuningBackbone, an mmpretrain ImageClassifier, the
project's runtime base (ParamReportHook, PromptDiagnosticsHook, ...) and two classes of 32x32 PNGs
read by mmpretrain's CustomDataset: seconds per run on a CPU. Runs are cached for the process, so
test modules that ask for the same run share it. The runtime base is a file of the repository
(``configs/_base_/protuning_runtime.py``), not of the installed package, so callers pass its path.
"""
import copy
import json
from pathlib import Path
from typing import Any, Dict, List

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.registry import RUNNERS

from .datagen import class_image

_CACHE: Dict[str, Dict[str, Any]] = {}


def write_png_folders(root: Path, classes: int = 2, per_class: int = 6) -> Path:
    """``<root>/<class>/<i>.png``: the folder layout mmpretrain's CustomDataset reads."""
    rng = np.random.default_rng(0)
    for c in range(classes):
        (root / str(c)).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            cv2.imwrite(str(root / str(c) / f'{i}.png'), class_image(c, rng))
    return root


def tiny_config(work_dir: Path, data: Path, runtime: Path, paradigm: str = 'protuning', interval: int = 2,
                max_epochs: int = 2, **backbone: Any) -> Config:
    """The runtime base plus a tiny classifier: 12 images, batch 4, i.e. 3 iterations an epoch.

    Args:
        work_dir (Path): The run's work dir.
        data (Path): A folder written by :func:`write_png_folders`.
        runtime (Path): The runtime base, ``configs/_base_/protuning_runtime.py`` of a checkout.
        paradigm (str): ``ProTuningBackbone``'s paradigm. Defaults to ``'protuning'``.
        interval (int): PromptDiagnosticsHook's interval. Defaults to 2.
        max_epochs (int): Defaults to 2.
        **backbone: Further ``ProTuningBackbone`` arguments.

    Returns:
        Config: The full config.
    """
    cfg = Config.fromfile(str(runtime))
    loader = dict(batch_size=4, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
                  dataset=dict(type='CustomDataset', data_root=str(data), with_label=True,
                               pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')]))
    cfg.merge_from_dict(dict(
        default_scope='mmpretrain',
        work_dir=str(work_dir),
        # Unique logger/visualizer instances: two runs started in the same second would share them.
        experiment_name='tiny_' + '_'.join(work_dir.parts[-2:]),
        model=dict(
            type='ImageClassifier',
            data_preprocessor=dict(type='ClsDataPreprocessor', mean=[127.5] * 3, std=[127.5] * 3, to_rgb=True),
            backbone=dict(type='ProTuningBackbone', paradigm=paradigm, **backbone,
                          backbone=dict(type='mmpretrain.ResNet', depth=18, out_indices=(3, ), init_cfg=None)),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=2, in_channels=512, loss=dict(type='CrossEntropyLoss'))),
        train_dataloader=loader,
        val_dataloader=dict(copy.deepcopy(loader), sampler=dict(type='DefaultSampler', shuffle=False)),
        val_evaluator=dict(type='Accuracy', topk=(1, )),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs), val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1), checkpoint=None),
        randomness=dict(seed=0),
    ))
    for hook in cfg.custom_hooks:
        if hook.type == 'PromptDiagnosticsHook':
            hook.interval = interval
    return cfg


def tiny_run(root: Path, name: str, runtime: Path, **kwargs: Any) -> Dict[str, Any]:
    """Train :func:`tiny_config` once per process under ``<root>/runs/<name>`` (data in ``<root>/data``).

    Args:
        root (Path): Folder for the data and the runs, e.g. a pytest session's temporary folder.
        name (str): The run's name; it may hold a folder (``'paradigms/head'``): runs that share it
            form a folder of work dirs.
        runtime (Path): See :func:`tiny_config`.
        **kwargs: Further :func:`tiny_config` arguments.

    Returns:
        dict: ``work_dir``, ``log_dir`` (its ``<timestamp>`` folder), ``runner`` (trained).
    """
    if name not in _CACHE:
        data = Path(root) / 'data'
        if not data.is_dir():
            write_png_folders(data)
        # As tools/train.py does: the runtime base's runner_type (ProTuningRunner) builds the runner.
        runner = RUNNERS.build(tiny_config(Path(root) / 'runs' / name, data, runtime, **kwargs))
        runner.train()
        _CACHE[name] = dict(work_dir=Path(runner.work_dir), log_dir=Path(runner.log_dir), runner=runner)
    return _CACHE[name]


def scalars(run: Dict[str, Any]) -> List[dict]:
    """The entries of a :func:`tiny_run`'s ``vis_data/scalars.json``."""
    return [json.loads(line) for line in (run['log_dir'] / 'vis_data' / 'scalars.json').read_text().splitlines()]
