"""Read back what a finished mmengine training run left in its work dir.

A work dir holds one ``<timestamp>/`` folder per launch (a resumed run adds one), each with the text
log ``<timestamp>.log`` and, from mmengine's ``LocalVisBackend``, ``vis_data/scalars.json`` (one JSON
object per line) and ``vis_data/config.py`` (the run's full config). From these this module reads
the final validation metric, the trainable parameters (:class:`~protuning_mm.engine.ParamReportHook`'s
report in the log), the paradigm (``model.backbone.paradigm`` in the config) and the prompt
diagnostics (:class:`~protuning_mm.engine.PromptDiagnosticsHook`'s scalars).
``tools/analysis_tools/plot_paradigms.py`` plots them.
"""
import inspect
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.config import Config

from ..engine.param_report import parse_param_report
from ..models import ProTuningBackbone

# Auto-detected final metrics, in order: mmpretrain, mmdet, mmseg.
METRIC_KEYS = ('accuracy/top1', 'coco/bbox_mAP', 'mIoU')
PROMPT_QUANTITIES = ('beta', 'strength', 'grad_norm')
_PROMPT_KEY = re.compile(r'^prompt/(?P<unit>.+)/(?P<quantity>beta|strength|grad_norm)$')
_DEFAULT_PARADIGM = inspect.signature(ProTuningBackbone).parameters['paradigm'].default
_NO_SCALARS = ("training must have run with mmengine's LocalVisBackend (the default visualizer backend of "
               'mmengine and of the mmpretrain/mmdet/mmseg runtimes), which writes '
               '<work_dir>/<timestamp>/vis_data/scalars.json')

# quantity ('beta', ...) -> prompt unit ('layer1', ...) -> [(step, value)], by step
PromptSeries = Dict[str, Dict[str, List[Tuple[int, float]]]]


class RunRecordError(ValueError):
    """A path that does not hold what a finished training run leaves; the message says what is missing."""


@dataclass
class RunRecord:
    """What one training run reports.

    Args:
        name (str): Short name of the run (its work dir's name).
        work_dir (Path): The work dir.
        paradigm (str): ``model.backbone.paradigm`` of its config (``'not wrapped'`` when the
            backbone is not a ProTuningBackbone).
        trainable_params (int): Trainable parameters, from ParamReportHook's report.
        total_params (int): All parameters, from the same report.
        metric (str): Key of the final metric, e.g. ``'accuracy/top1'``.
        value (float): Its last logged value.
        step (int): The scalars.json step of that value (epoch or iteration of the validation).
        prompts (dict): PromptDiagnosticsHook's series; empty without the hook or without prompts.
    """
    name: str
    work_dir: Path
    paradigm: str
    trainable_params: int
    total_params: int
    metric: str
    value: float
    step: int
    prompts: PromptSeries = field(default_factory=dict)


def run_dirs(work_dir: Path) -> List[Path]:
    """The launch folders (``<timestamp>/``) of ``work_dir`` that hold a scalars.json, oldest first."""
    return sorted(p.parent.parent for p in Path(work_dir).glob('*/vis_data/scalars.json'))


def find_work_dirs(paths: Sequence[Union[str, Path]]) -> List[Path]:
    """Resolve command-line paths to work dirs: each path is a work dir or a parent of work dirs.

    Args:
        paths (Sequence[str | Path]): Work dirs, or folders whose sub-folders are work dirs.

    Returns:
        list[Path]: The work dirs, in the order given (sub-folders sorted by name).

    Raises:
        RunRecordError: If a path is not a directory, or neither it nor any sub-folder is a work dir.
    """
    found: List[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            raise RunRecordError(f'{path} is not a directory; pass work dirs of training runs '
                                 '(or a folder holding them).')
        if run_dirs(path):
            found.append(path)
            continue
        children = [c for c in sorted(path.iterdir()) if c.is_dir() and run_dirs(c)]
        if not children:
            raise RunRecordError(f'{path} is not a work dir of a training run, nor a folder of work dirs: no '
                                 f'{path}/<timestamp>/vis_data/scalars.json (nor one level deeper); '
                                 f'{_NO_SCALARS}.')
        found += children
    return found


def read_scalars(work_dir: Path) -> List[dict]:
    """All scalars.json entries of ``work_dir``, launch after launch (a resumed run continues)."""
    entries = []
    for run in run_dirs(work_dir):
        path = run / 'vis_data' / 'scalars.json'
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise RunRecordError(f'{path}:{i} is not a JSON object ({e}).') from e
    return entries


def final_metric(scalars: List[dict], metric: Optional[str] = None,
                 source: str = 'scalars.json') -> Tuple[str, float, int]:
    """The last logged value of ``metric`` (or of the first of :data:`METRIC_KEYS` logged last).

    Args:
        scalars (list[dict]): Entries of :func:`read_scalars`.
        metric (str, optional): The key to read; None auto-detects. Defaults to None.
        source (str): What to name in the error message. Defaults to ``'scalars.json'``.

    Returns:
        tuple[str, float, int]: ``(key, value, step)``.

    Raises:
        RunRecordError: If no entry holds the metric; the message lists the keys present.
    """
    candidates = (metric, ) if metric else METRIC_KEYS
    for entry in reversed(scalars):
        for key in candidates:
            if key in entry:
                return key, float(entry[key]), int(entry.get('step', -1))
    keys = sorted({k for e in scalars for k in e if k != 'step' and not _PROMPT_KEY.match(k)})
    prompt = ' and prompt/<unit>/... diagnostics' if any(_PROMPT_KEY.match(k) for e in scalars for k in e) else ''
    raise RunRecordError(f'{source}: no validation metric {" / ".join(candidates)} logged; keys present: '
                         f'{keys}{prompt}. Choose one with --metric, or let training reach a validation.')


def param_counts(work_dir: Path) -> Tuple[int, int]:
    """``(trainable, total)`` parameters from the newest ParamReportHook report in the run's logs.

    Raises:
        RunRecordError: If no log of ``work_dir`` holds the report.
    """
    logs = [log for run in reversed(run_dirs(work_dir)) for log in sorted(run.glob('*.log'))]
    for log in logs:
        counts = parse_param_report(log.read_text(errors='replace'))
        if counts:
            return counts
    raise RunRecordError(f'{work_dir}: no trainable-parameter report in its logs ({[str(p) for p in logs]}); '
                         "add custom_hooks = [dict(type='ParamReportHook')] to the config (or inherit "
                         'configs/_base_/protuning_runtime.py, which lists it) and train again.')


def paradigm(work_dir: Path) -> str:
    """``model.backbone.paradigm`` of the run's dumped config (``vis_data/config.py`` of its newest launch).

    Raises:
        RunRecordError: If no launch of ``work_dir`` dumped its config.
    """
    configs = [run / 'vis_data' / 'config.py' for run in reversed(run_dirs(work_dir))]
    configs = [c for c in configs if c.is_file()]
    if not configs:
        raise RunRecordError(f'{work_dir}: no dumped config (<timestamp>/vis_data/config.py, written by '
                             "mmengine's LocalVisBackend); cannot tell the paradigm.")
    # The dump is self-contained; importing custom modules (the plugin) is not needed to read it.
    cfg = Config.fromfile(str(configs[0]), import_custom_modules=False)
    backbone = cfg.get('model', {}).get('backbone') or {}
    if not str(backbone.get('type', '')).endswith('ProTuningBackbone'):
        return 'not wrapped'
    return backbone.get('paradigm', _DEFAULT_PARADIGM)


def prompt_series(scalars: List[dict]) -> PromptSeries:
    """PromptDiagnosticsHook's scalars as ``{quantity: {unit: [(step, value), ...]}}``, by step.

    A step logged twice (a resumed run repeats iterations after its last checkpoint) keeps the later value.
    """
    by_step: Dict[str, Dict[str, Dict[int, float]]] = {}
    for entry in scalars:
        for key, value in entry.items():
            match = _PROMPT_KEY.match(key)
            if match:
                series = by_step.setdefault(match['quantity'], {}).setdefault(match['unit'], {})
                series[int(entry['step'])] = float(value)
    return {q: {unit: sorted(points.items()) for unit, points in units.items()} for q, units in by_step.items()}


def load_run(work_dir: Union[str, Path], metric: Optional[str] = None, name: Optional[str] = None) -> RunRecord:
    """Everything :class:`RunRecord` holds, read from one work dir.

    Args:
        work_dir (str | Path): A work dir of a training run.
        metric (str, optional): Final metric key; None auto-detects (:data:`METRIC_KEYS`).
            Defaults to None.
        name (str, optional): Name of the run; defaults to the work dir's name.

    Raises:
        RunRecordError: If the work dir lacks scalars, a metric, the parameter report or the config.
    """
    work_dir = Path(work_dir)
    if not run_dirs(work_dir):
        raise RunRecordError(f'{work_dir}: no <timestamp>/vis_data/scalars.json; {_NO_SCALARS}.')
    scalars = read_scalars(work_dir)
    key, value, step = final_metric(scalars, metric, source=f'{work_dir} (scalars.json)')
    trainable, total = param_counts(work_dir)
    return RunRecord(name=name or work_dir.name, work_dir=work_dir, paradigm=paradigm(work_dir),
                     trainable_params=trainable, total_params=total, metric=key, value=value, step=step,
                     prompts=prompt_series(scalars))


def load_runs(paths: Sequence[Union[str, Path]], metric: Optional[str] = None) -> List[RunRecord]:
    """:func:`load_run` for every work dir :func:`find_work_dirs` finds in ``paths``.

    Runs with equal work-dir names are named by their parent too (``a/run``, ``b/run``).

    Raises:
        RunRecordError: As :func:`find_work_dirs` and :func:`load_run`, and if auto-detection
            finds different metrics in different runs.
    """
    work_dirs = find_work_dirs(paths)
    names = [w.name for w in work_dirs]
    names = [f'{w.parent.name}/{w.name}' if names.count(w.name) > 1 else w.name for w in work_dirs]
    runs = [load_run(w, metric, name) for w, name in zip(work_dirs, names)]
    metrics = {r.name: r.metric for r in runs}
    if len(set(metrics.values())) > 1:
        raise RunRecordError(f'The runs report different final metrics {metrics}; choose one with --metric.')
    return runs
