"""Kill and resume, proven: tools/train.py killed with SIGKILL at seeded random points after its first
checkpoint, then ``--resume``, ends with the same prompt and head weights, bit for bit, as a run never
interrupted (tiny ResNet-18 on 12 PNGs of 32x32, 3 iterations an epoch, 3 epochs, a checkpoint each
epoch; ``randomness.deterministic=True``). Full and delta checkpoints."""
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from protuning_mm.testing import tiny_config, write_png_folders

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = ROOT / 'configs/_base_/protuning_runtime.py'

KILL_SEED = 13
MAX_EPOCHS = 3


def train(config: Path, work_dir: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1')
    return subprocess.Popen([sys.executable, 'tools/train.py', str(config), '--work-dir', str(work_dir), *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def ok(proc: subprocess.CompletedProcess) -> str:
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{proc.args} failed ({proc.returncode}):\n{log[-6000:]}'
    return log


def trained_state(path: Path) -> dict:
    ckpt = torch.load(path, map_location='cpu')
    assert (ckpt['meta']['epoch'], ckpt['meta']['iter']) == (MAX_EPOCHS, 3 * MAX_EPOCHS)
    return {k: v for k, v in ckpt['state_dict'].items() if k.startswith(('backbone.prompts.', 'head.'))}


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('kill')
    cfg = tiny_config(tmp / 'work', write_png_folders(tmp / 'data'), RUNTIME, max_epochs=MAX_EPOCHS)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.dump(str(tmp / 'tiny.py'))
    return tmp


@pytest.mark.parametrize('delta', [False, True])
def test_sigkill_then_resume_equals_uninterrupted(setup, delta):
    tmp, options = setup, ['--cfg-options', f'delta_checkpoint={delta}']
    reference = tmp / f'reference_{delta}'
    proc = train(tmp / 'tiny.py', reference, *options)
    ok(subprocess.CompletedProcess(proc.args, proc.wait(), *proc.communicate()))
    expected = trained_state(reference / f'epoch_{MAX_EPOCHS}.pth')

    rng = random.Random(KILL_SEED + delta)
    killed = 0
    for point in range(3):
        work_dir = tmp / f'killed_{delta}_{point}'
        proc = train(tmp / 'tiny.py', work_dir, *options)
        while not (work_dir / 'last_checkpoint').exists() and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 1.0))  # somewhere in epoch 2 or 3, or while a checkpoint is written
        was_killed = proc.poll() is None
        if was_killed:
            proc.send_signal(signal.SIGKILL)
            was_killed = proc.wait() == -signal.SIGKILL
        killed += was_killed
        proc.communicate()
        resumed = train(tmp / 'tiny.py', work_dir, '--resume', *options)
        log = ok(subprocess.CompletedProcess(resumed.args, resumed.wait(), *resumed.communicate()))
        if was_killed:
            assert 'resumed epoch' in log, log[-3000:]
        got = trained_state(work_dir / f'epoch_{MAX_EPOCHS}.pth')
        assert got.keys() == expected.keys()
        for key in expected:
            assert torch.equal(got[key], expected[key]), f'kill point {point}: {key} differs from the uninterrupted run'
    print(f'\ndelta={delta}: {killed}/3 runs killed before they finished, all resumed to the uninterrupted weights')
    assert killed >= 1
