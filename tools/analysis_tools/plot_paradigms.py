"""Plot final metric vs trainable parameters per paradigm, and beta / prompt strength over training.

Usage:
    python tools/analysis_tools/plot_paradigms.py WORK_DIR [WORK_DIR ...] [--out PREFIX] [--metric KEY]

Each WORK_DIR is the work dir of a training run, or a folder whose sub-folders are work dirs. Writes

- ``PREFIX_params.png/.svg``: final metric vs trainable parameters (log x), one labelled marker per
  run, marker shape by paradigm (the paper's Figure 1);
- ``PREFIX_prompts.png/.svg``: beta and prompt strength over iterations, one line per prompt
  position (and run), from PromptDiagnosticsHook; skipped with a warning if no run logged them;
- ``PREFIX.json``: the plotted numbers.

The final metric is the last ``--metric`` value in the run's scalars.json (default: the first of
accuracy/top1, coco/bbox_mAP, mIoU found), the trainable parameters are ParamReportHook's total and
the paradigm is ``model.backbone.paradigm`` of the run's dumped config.
"""
import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Dict, List, Optional

import matplotlib

matplotlib.use('Agg')  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402

from protuning_mm.analysis.run_records import RunRecord, RunRecordError, load_runs  # noqa: E402

MARKERS = {'head': 'o', 'protuning': '*', 'full': 's', 'protuning+full': 'P', 'scratch': 'X'}
PROMPT_PANELS = (('beta', 'beta'), ('strength', '||beta f(x)|| / ||x||'))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+', help='work dirs of training runs, or folders of work dirs')
    parser.add_argument('--out', default='paradigms', help='output prefix (default: ./paradigms)')
    parser.add_argument('--metric', default=None,
                        help='final metric key in scalars.json (default: accuracy/top1, coco/bbox_mAP or mIoU)')
    return parser.parse_args(argv)


def save(fig: plt.Figure, prefix: str) -> List[str]:
    files = [f'{prefix}.png', f'{prefix}.svg']
    for f in files:
        fig.savefig(f, dpi=150, bbox_inches='tight')
    plt.close(fig)
    return files


def plot_params(runs: List[RunRecord], prefix: str) -> List[str]:
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for paradigm in dict.fromkeys(r.paradigm for r in runs):  # one legend entry per paradigm
        group = [r for r in runs if r.paradigm == paradigm]
        marker = 'D' if paradigm.startswith('partial') else MARKERS.get(paradigm, 'v')
        ax.scatter([r.trainable_params for r in group], [r.value for r in group], marker=marker, s=90,
                   label=paradigm, zorder=3)
        for r in group:
            ax.annotate(r.name, (r.trainable_params, r.value), textcoords='offset points', xytext=(6, 6),
                        fontsize=8)
    ax.set_xscale('log')
    ax.set_xlabel('trainable parameters')
    ax.set_ylabel(runs[0].metric)
    ax.grid(True, which='both', alpha=0.3)
    ax.legend(title='paradigm')
    return save(fig, f'{prefix}_params')


def prompt_lines(runs: List[RunRecord]) -> Dict[str, Dict[str, list]]:
    """``{quantity: {label: [[step, value], ...]}}``; labels carry the run name if several runs have prompts."""
    with_prompts = [r for r in runs if r.prompts]
    lines: Dict[str, Dict[str, list]] = {}
    for quantity, _ in PROMPT_PANELS:
        for r in with_prompts:
            for unit, points in r.prompts.get(quantity, {}).items():
                label = f'{r.name} {unit}' if len(with_prompts) > 1 else unit
                lines.setdefault(quantity, {})[label] = [list(p) for p in points]
    return lines


def plot_prompts(lines: Dict[str, Dict[str, list]], prefix: str) -> List[str]:
    fig, axes = plt.subplots(1, len(PROMPT_PANELS), figsize=(11, 4))
    for ax, (quantity, ylabel) in zip(axes, PROMPT_PANELS):
        for label, points in lines.get(quantity, {}).items():
            ax.plot(*zip(*points), marker='.', label=label)
        ax.set_xlabel('iteration')
        ax.set_ylabel(ylabel)
        ax.set_title(quantity)
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize=8)
    return save(fig, f'{prefix}_prompts')


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    try:
        runs = load_runs(args.work_dirs, args.metric)
    except RunRecordError as e:
        sys.exit(f'plot_paradigms: {e}')
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    files = plot_params(runs, args.out)
    lines = prompt_lines(runs)
    if lines:
        files += plot_prompts(lines, args.out)
    else:
        warnings.warn('No run logged PromptDiagnosticsHook scalars (prompt/<position>/beta ...); '
                      f'{args.out}_prompts.png is not written.')
    points = [dict(run=r.name, work_dir=str(r.work_dir), paradigm=r.paradigm, trainable_params=r.trainable_params,
                   total_params=r.total_params, metric=r.value, step=r.step) for r in runs]
    result = dict(metric=runs[0].metric, points=points, prompts=lines or None, files=files)
    Path(f'{args.out}.json').write_text(json.dumps(result, indent=2))
    print('\n'.join(['Wrote:'] + files + [f'{args.out}.json']))


if __name__ == '__main__':
    main()
