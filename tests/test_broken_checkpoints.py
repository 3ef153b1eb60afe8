"""Broken checkpoints never fail silently or cryptically, and are never written half.

A tiny real run (tools/train.py, ResNet-18 on 12 PNGs of 32x32, a checkpoint every epoch) gives the
checkpoints. Then, as a user would, in fresh processes: ``--resume`` over a truncated / empty / text
latest checkpoint falls back to the previous one (or stops with an error naming the file and the
fix); tools/test.py, tools/infer.py, merge_delta.py and publish_model.py each name the file and
what is wrong, with no traceback. Atomic writes are checked by failing a write half way.
The same run also proves that a ``custom_imports`` given only through ``--cfg-options`` is imported.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner.checkpoint import save_checkpoint

import protuning_mm  # noqa: F401  (registers the atomic_local backend)
from protuning_mm.testing import tiny_config, write_png_folders
from protuning_mm.utils.checkpoint_io import (
    CheckpointError,
    atomic_torch_save,
    load_checkpoint_file,
    resolve_resume_checkpoint,
)

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = ROOT / 'configs/_base_/protuning_runtime.py'

PROBE = '''import os
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class CliProbeHook(Hook):
    """Registered only when this module is imported: proves custom_imports took effect."""

    def before_run(self, runner):
        with open(os.path.join(runner.work_dir, 'cli_probe_ran'), 'a') as f:
            f.write(type(runner.model).__name__ + '\\n')
'''
# The probe module and its hook exist only through these options (the config names neither).
PROBE_OPTIONS = ['custom_imports.imports=[protuning_mm,cli_probe]', 'custom_hooks.0.type=CliProbeHook']


def run(*args: str, probe_dir: Path) -> subprocess.CompletedProcess:
    """A tool in a fresh interpreter, as a user runs it; returns whatever happened."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(probe_dir)]), OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def ok(proc: subprocess.CompletedProcess) -> str:
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{proc.args} failed ({proc.returncode}):\n{log[-6000:]}'
    return log


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('broken_ckpt')
    (tmp / 'probe').mkdir()
    (tmp / 'probe' / 'cli_probe.py').write_text(PROBE)
    cfg = tiny_config(tmp / 'work', write_png_folders(tmp / 'data'), RUNTIME, max_epochs=2)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.merge_from_dict(dict(test_dataloader=cfg.val_dataloader, test_evaluator=cfg.val_evaluator, test_cfg=dict()))
    cfg.dump(str(tmp / 'tiny.py'))
    log = ok(run('tools/train.py', str(tmp / 'tiny.py'), '--work-dir', str(tmp / 'work'), '--cfg-options',
                 *PROBE_OPTIONS, probe_dir=tmp / 'probe'))
    return dict(tmp=tmp, config=str(tmp / 'tiny.py'), work_dir=tmp / 'work', log=log)


def test_cfg_options_custom_imports_are_imported(trained):
    assert (trained['work_dir'] / 'cli_probe_ran').read_text() == 'ImageClassifier\n'
    tested = run('tools/test.py', trained['config'], str(trained['work_dir'] / 'epoch_2.pth'), '--work-dir',
                 str(trained['tmp'] / 'test_work'), '--cfg-options', *PROBE_OPTIONS, probe_dir=trained['tmp'] / 'probe')
    assert 'accuracy/top1' in ok(tested)
    assert (trained['tmp'] / 'test_work' / 'cli_probe_ran').read_text() == 'ImageClassifier\n'
    # Without the import the hook type is unknown: the option really is what registers it.
    failed = run('tools/train.py', trained['config'], '--work-dir', str(trained['tmp'] / 'noimport'),
                 '--cfg-options', PROBE_OPTIONS[1], probe_dir=trained['tmp'] / 'probe')
    assert failed.returncode != 0 and 'CliProbeHook' in failed.stderr


def test_checkpoints_written_atomically_by_the_run(trained):
    work_dir = trained['work_dir']
    assert sorted(p.name for p in work_dir.glob('*.pth')) == ['epoch_1.pth', 'epoch_2.pth']
    assert not [p for p in work_dir.iterdir() if p.name.endswith('.tmp')]
    assert "backend='atomic_local'" in (work_dir / 'tiny.py').read_text()  # the config the run used


def break_file(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == 'truncated':
        path.write_bytes(data[:len(data) // 2])
    elif how == 'empty':
        path.write_bytes(b'')
    else:
        path.write_text('epoch 2 finished, loss 0.3\n')


def copy_run(trained, dest: Path) -> Path:
    """The run's work dir under ``dest``, its last_checkpoint pointing inside the copy."""
    shutil.copytree(trained['work_dir'], dest)
    (dest / 'last_checkpoint').write_text(str(dest / 'epoch_2.pth'))
    return dest


@pytest.mark.parametrize('how', ['truncated', 'empty', 'text'])
def test_resume_falls_back_to_the_previous_good_checkpoint(trained, tmp_path, how):
    work_dir = copy_run(trained, tmp_path / 'work')
    break_file(work_dir / 'epoch_2.pth', how)
    resumed = run('tools/train.py', trained['config'], '--work-dir', str(work_dir), '--resume', '--cfg-options',
                  'train_cfg.max_epochs=2', probe_dir=trained['tmp'] / 'probe')
    log = ok(resumed)
    assert f'{work_dir / "epoch_2.pth"}' in log and f'previous good checkpoint {work_dir / "epoch_1.pth"}' in log
    assert {'truncated': 'truncated or corrupt', 'empty': 'is empty', 'text': 'is not a torch checkpoint'}[how] in log
    assert 'resumed epoch: 1' in log
    assert load_checkpoint_file(str(work_dir / 'epoch_2.pth'))['meta']['epoch'] == 2  # retrained, rewritten


def test_resume_without_a_good_checkpoint_stops_naming_file_and_fix(trained, tmp_path):
    work_dir = copy_run(trained, tmp_path / 'work')
    (work_dir / 'epoch_1.pth').unlink()
    break_file(work_dir / 'epoch_2.pth', 'truncated')
    proc = run('tools/train.py', trained['config'], '--work-dir', str(work_dir), '--resume',
               probe_dir=trained['tmp'] / 'probe')
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    assert f'Cannot resume: Checkpoint {work_dir / "epoch_2.pth"}' in proc.stderr
    assert 'Fix: pass --resume PATH to a good checkpoint, or delete' in proc.stderr
    # An explicit --resume PATH is not replaced by another file: it fails, naming it.
    proc = run('tools/train.py', trained['config'], '--work-dir', str(work_dir), '--resume',
               str(work_dir / 'epoch_2.pth'), probe_dir=trained['tmp'] / 'probe')
    assert proc.returncode == 1 and 'truncated or corrupt' in proc.stderr and 'Traceback' not in proc.stderr


def test_resume_resolver_pointer_cases(trained, tmp_path):
    work_dir = copy_run(trained, tmp_path / 'work')
    assert resolve_resume_checkpoint(str(work_dir)) == str(work_dir / 'epoch_2.pth')  # healthy: the latest
    notes: List[str] = []
    (work_dir / 'last_checkpoint').write_text('')  # interrupted pointer write
    assert resolve_resume_checkpoint(str(work_dir), log=notes.append) == str(work_dir / 'epoch_2.pth')
    assert 'last_checkpoint is empty' in notes[-1]
    (work_dir / 'last_checkpoint').unlink()  # crashed before the first pointer write
    assert resolve_resume_checkpoint(str(work_dir), log=notes.append) == str(work_dir / 'epoch_2.pth')
    assert resolve_resume_checkpoint(str(tmp_path / 'fresh')) is None  # nothing saved: start from scratch


def tool_commands(trained, ckpt: str) -> dict:
    config = trained['config']
    return {
        'test.py': ['tools/test.py', config, ckpt, '--work-dir', str(trained['tmp'] / 'test_out')],
        'infer.py': ['tools/infer.py', '--task', 'cls', config, ckpt],
        'merge_delta.py': ['tools/model_converters/merge_delta.py', config, ckpt, str(trained['tmp'] / 'm.pth')],
        'publish_model.py': ['tools/publish_model.py', ckpt, str(trained['tmp'] / 'pub.pth')],
    }


@pytest.mark.parametrize('tool', ['test.py', 'infer.py', 'merge_delta.py', 'publish_model.py'])
def test_tools_name_the_broken_file(trained, tmp_path, tool):
    cases = {'empty': 'is empty (0 bytes)', 'truncated': 'is truncated or corrupt'}
    for how, message in cases.items():
        ckpt = tmp_path / f'{how}.pth'
        shutil.copy(trained['work_dir'] / 'epoch_2.pth', ckpt)
        break_file(ckpt, how)
        proc = run(*tool_commands(trained, str(ckpt))[tool], probe_dir=trained['tmp'] / 'probe')
        assert proc.returncode == 1, (tool, how, proc.stderr[-3000:])
        assert f'error: Checkpoint {ckpt} ' in proc.stderr and message in proc.stderr, (tool, how, proc.stderr[-3000:])
        assert 'Traceback' not in proc.stderr, (tool, how, proc.stderr[-3000:])
    assert not (trained['tmp'] / 'm.pth').exists() and not list(trained['tmp'].glob('pub*.pth'))


def test_loader_names_missing_state_dict(tmp_path):
    torch.save({'meta': {'epoch': 1}, 'optimizer': {}}, tmp_path / 'no_state.pth')
    with pytest.raises(CheckpointError, match=r"no_state\.pth has no 'state_dict'"):
        load_checkpoint_file(str(tmp_path / 'no_state.pth'))
    torch.save({'conv.weight': torch.zeros(1)}, tmp_path / 'bare.pth')  # a bare state dict loads
    assert set(load_checkpoint_file(str(tmp_path / 'bare.pth'))) == {'conv.weight'}
    torch.save([1, 2], tmp_path / 'list.pth')
    with pytest.raises(CheckpointError, match=r'list\.pth is a torch file but not a checkpoint'):
        load_checkpoint_file(str(tmp_path / 'list.pth'))


def test_a_failure_mid_write_leaves_no_half_file(tmp_path, monkeypatch):
    final = tmp_path / 'epoch_3.pth'
    real_save = torch.save

    def crash_half_way(obj, f, *args, **kwargs):
        f.write(b'PK\x03\x04 half a checkpoint')  # some bytes reach the temporary file first
        raise KeyboardInterrupt('killed mid-write')

    monkeypatch.setattr(torch, 'save', crash_half_way)
    with pytest.raises(KeyboardInterrupt):
        atomic_torch_save({'state_dict': {}}, str(final))
    assert list(tmp_path.iterdir()) == []  # neither the final name nor a temporary file

    monkeypatch.setattr(torch, 'save', real_save)
    atomic_torch_save({'state_dict': {'w': torch.ones(2)}}, str(final))
    monkeypatch.setattr(torch, 'save', crash_half_way)
    with pytest.raises(KeyboardInterrupt):
        atomic_torch_save({'state_dict': {'w': torch.zeros(2)}}, str(final))
    assert [p.name for p in tmp_path.iterdir()] == ['epoch_3.pth']
    assert torch.equal(load_checkpoint_file(str(final))['state_dict']['w'], torch.ones(2))  # unchanged

    # mmengine's save_checkpoint -> backend.put: fail after the bytes are written, before the rename.
    monkeypatch.setattr(torch, 'save', real_save)
    assert type(get_file_backend(str(final), backend_args=dict(backend='atomic_local'))).__name__ == \
        'AtomicLocalBackend'

    def fsync_fails(fd):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'fsync', fsync_fails)
    with pytest.raises(OSError, match='disk full'):
        save_checkpoint({'state_dict': {'w': torch.zeros(2)}}, str(final), backend_args=dict(backend='atomic_local'))
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ['epoch_3.pth']
    assert torch.equal(load_checkpoint_file(str(final))['state_dict']['w'], torch.ones(2))
