"""tools/analysis_tools/plot_paradigms.py on the work dirs of real tiny runs (head, Pro-tuning), and its
error messages for paths that are not work dirs."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch.nn as nn
from mmpretrain.models import ResNet

from protuning_mm.analysis.run_records import RunRecordError, load_run
from protuning_mm.engine import param_report, parse_param_report
from protuning_mm.testing import scalars
from tools.analysis_tools import plot_paradigms

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = ROOT / 'tools/analysis_tools/plot_paradigms.py'
POSITIONS = ['layer1', 'layer2', 'layer3', 'layer4']


def trainable(run) -> int:
    return sum(p.numel() for p in run['runner'].model.parameters() if p.requires_grad)


@pytest.fixture(scope='module')
def runs(tiny_run):
    return {p: tiny_run(f'paradigms/{p}', paradigm=p) for p in ('head', 'protuning')}


def test_parse_param_report_reads_back_the_table():
    model = nn.Sequential(ResNet(depth=18, init_cfg=None), nn.Linear(512, 3))
    model[0].requires_grad_(False)
    log = f'2026/01/01 - mmengine - INFO - Trainable parameters (Pro-tuning report):\n{param_report(model)}\nnext'
    assert parse_param_report(log) == (512 * 3 + 3, sum(p.numel() for p in model.parameters()))
    assert parse_param_report('no table here') is None


def test_plot_from_a_folder_of_work_dirs(runs, tmp_path, run_tool):
    parent = runs['protuning']['work_dir'].parent
    out = tmp_path / 'figs' / 'paradigms'
    proc = run_tool(str(SCRIPT), str(parent), '--out', str(out))
    result = json.loads(out.with_suffix('.json').read_text())
    assert result['metric'] == 'accuracy/top1'
    points = {p['paradigm']: p for p in result['points']}
    assert set(points) == {'head', 'protuning'}
    for paradigm, run in runs.items():
        accuracy = [s for s in scalars(run) if 'accuracy/top1' in s][-1]
        assert points[paradigm]['metric'] == accuracy['accuracy/top1'] and points[paradigm]['step'] == accuracy['step']
        report = parse_param_report(next(run['log_dir'].glob('*.log')).read_text())  # ParamReportHook's table
        assert points[paradigm]['trainable_params'] == report[0] == trainable(run)
        assert points[paradigm]['total_params'] == report[1]
        assert points[paradigm]['run'] == paradigm
    assert points['head']['trainable_params'] == 512 * 2 + 2  # the linear head
    assert points['head']['trainable_params'] < points['protuning']['trainable_params']
    # Only the Pro-tuning run has prompts: one line per position, the values of its scalars.json.
    assert sorted(result['prompts']) == ['beta', 'strength']
    assert sorted(result['prompts']['beta']) == POSITIONS
    diag = [s for s in scalars(runs['protuning']) if 'prompt/layer2/strength' in s]
    assert result['prompts']['strength']['layer2'] == [[s['step'], s['prompt/layer2/strength']] for s in diag]
    for suffix in ('_params.png', '_params.svg', '_prompts.png', '_prompts.svg'):
        path = out.parent / (out.name + suffix)
        assert path.is_file() and path.stat().st_size > 1000, path
    assert sorted(result['files']) == sorted(str(out) + s for s in ('_params.png', '_params.svg', '_prompts.png',
                                                                    '_prompts.svg'))
    assert str(out) + '.json' in proc.stdout


def test_explicit_work_dirs_and_runs_without_prompts(runs, tmp_path):
    out = tmp_path / 'head_only'
    with pytest.warns(UserWarning, match='No run logged PromptDiagnosticsHook scalars'):
        plot_paradigms.main([str(runs['head']['work_dir']), '--out', str(out)])
    result = json.loads(out.with_suffix('.json').read_text())
    assert [p['paradigm'] for p in result['points']] == ['head'] and result['prompts'] is None
    assert (tmp_path / 'head_only_params.png').is_file() and not (tmp_path / 'head_only_prompts.png').exists()


def test_not_a_directory_exits_with_the_reason(tmp_path):
    path = tmp_path / 'a_file.txt'
    path.write_text('x')
    proc = subprocess.run([sys.executable, str(SCRIPT), str(path), '--out', str(tmp_path / 'o')], cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1'),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert f'{path} is not a directory' in proc.stderr


@pytest.mark.parametrize('layout', ['empty', 'log_only'])
def test_folder_without_scalars_exits_with_the_reason(tmp_path, layout):
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    if layout == 'log_only':  # e.g. a run with a visualizer backend other than LocalVisBackend
        (work_dir / '20260101_000000').mkdir()
        (work_dir / '20260101_000000' / '20260101_000000.log').write_text('...')
    with pytest.raises(SystemExit) as exc:
        plot_paradigms.main([str(work_dir), '--out', str(tmp_path / 'o')])
    assert str(work_dir) in str(exc.value.code) and 'LocalVisBackend' in str(exc.value.code)
    assert 'vis_data/scalars.json' in str(exc.value.code)


def test_missing_metric_and_missing_report_are_named(runs, tmp_path):
    work_dir = shutil.copytree(runs['head']['work_dir'], tmp_path / 'head')
    (log_dir, ) = [p for p in work_dir.iterdir() if (p / 'vis_data').is_dir()]
    path = log_dir / 'vis_data' / 'scalars.json'
    lines = [line for line in path.read_text().splitlines() if 'accuracy/top1' not in line]
    path.write_text('\n'.join(lines) + '\n')
    with pytest.raises(RunRecordError, match=r'no validation metric accuracy/top1 / coco/bbox_mAP / mIoU logged; '
                                             r"keys present: \[.*'loss'.*\]"):
        load_run(work_dir)
    assert load_run(work_dir, metric='loss').metric == 'loss'
    (log, ) = log_dir.glob('*.log')
    log.write_text(log.read_text().replace('**all**', 'all'))
    with pytest.raises(RunRecordError, match='no trainable-parameter report.*ParamReportHook'):
        load_run(work_dir, metric='loss')
