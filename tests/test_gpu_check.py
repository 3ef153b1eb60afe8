"""benchmarks/gpu_check.py without a GPU: the commands it would run (--dry-run), what their
--cfg-options do to the real configs, the refusal without CUDA, and the table it builds from
mmengine's scalars.json."""
import importlib.util
import json
import shlex
import subprocess
import sys

import pytest
from mmengine.config import Config, DictAction

from conftest import ROOT

spec = importlib.util.spec_from_file_location('gpu_check', ROOT / 'benchmarks' / 'gpu_check.py')
gpu_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gpu_check)
SCRIPT = str(ROOT / 'benchmarks' / 'gpu_check.py')


def dry_run(*args: str) -> list:
    proc = subprocess.run([sys.executable, SCRIPT, '--dry-run', *args], capture_output=True, text=True, check=True,
                          cwd=ROOT)
    return [shlex.split(line) for line in proc.stdout.splitlines()]


def cfg_options(cmd: list) -> dict:
    """The --cfg-options of a command, parsed as tools/train.py parses them."""
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(cmd[cmd.index('--cfg-options'):]).cfg_options


def test_dry_run_on_two_gpus_uses_dist_train_with_the_right_options():
    cmds = dry_run('--models', 'htc-r50', 'resnet50', '--paradigms', 'memory-mode', 'full', '--amp', 'on',
                   '--gpus', '2', '--iters', '12', '--warmup', '2')
    assert len(cmds) == 4
    for cmd, (config, paradigm, with_cp) in zip(cmds, [
            ('configs/detection/htc/htc_r50_fpn_protuning-memory_1x_coco.py', 'protuning', True),
            ('configs/htc_r50_protuning_coco.py', 'full', False),
            ('configs/classification/resnet50/resnet50_protuning_cifar100.py', 'protuning', True),
            ('configs/classification/resnet50/resnet50_protuning_cifar100.py', 'full', False)]):
        assert cmd[:4] == ['bash', 'tools/dist_train.sh', config, '2'] and '--amp' in cmd
        opts = cfg_options(cmd)
        assert opts['model.backbone.paradigm'] == paradigm and opts['model.backbone.with_cp'] is with_cp
        assert opts['model.backbone.backbone.init_cfg'] is None  # random init: no checkpoint download
        assert opts['train_cfg.type'] == 'IterBasedTrainLoop' and opts['train_cfg.max_iters'] == 12
        assert opts['val_cfg'] is None and opts['default_hooks.logger.interval'] == 1
    assert cfg_options(cmds[0])['train_dataloader.dataset.data_root'].endswith('work_dirs/gpu_check/data/coco/')
    assert cmds[1][cmds[1].index('--work-dir') + 1].endswith('work_dirs/gpu_check/htc-r50_full_amp')


def test_dry_run_on_one_gpu_uses_train_py_and_both_amp_settings():
    cmds = dry_run('--models', 'upernet-r50', '--paradigms', 'head')
    assert [c[1:3] for c in cmds] == [['tools/train.py', 'configs/upernet_r50_protuning_ade20k.py']] * 2
    assert ['--amp' in c for c in cmds] == [False, True]
    assert cfg_options(cmds[0])['model.pretrained'] is None
    assert len(dry_run()) == 3 * 4 * 2  # the default: every model, paradigm and AMP setting


@pytest.mark.parametrize('model', list(gpu_check.MODELS))
def test_options_turn_the_real_config_into_a_short_synthetic_run(model, tmp_path):
    cmd = gpu_check.command(model, 'memory-mode', True, 20, 1, str(tmp_path / 'data'), str(tmp_path))
    config = cmd[2]  # memory mode: the model's memory-mode config (head activation checkpointing)
    assert config == gpu_check.MEMORY_MODE_CONFIGS.get(model, gpu_check.MODELS[model].config)
    cfg = Config.fromfile(str(ROOT / config))
    cfg.merge_from_dict(cfg_options(cmd))
    assert bool(cfg.get('activation_checkpointing')) is (model in gpu_check.MEMORY_MODE_CONFIGS)
    assert cfg.train_cfg == dict(type='IterBasedTrainLoop', max_iters=20)
    assert cfg.val_cfg is None and cfg.val_dataloader is None and cfg.test_dataloader is None
    assert cfg.model.backbone.paradigm == 'protuning' and cfg.model.backbone.with_cp is True
    assert cfg.model.backbone.backbone.get('init_cfg') is None and cfg.model.get('pretrained') is None
    assert cfg.train_dataloader.dataset.data_root.startswith(str(tmp_path / 'data'))
    assert cfg.train_dataloader.batch_size == gpu_check.MODELS[model].batch  # the config's own batch
    assert cfg.default_hooks.checkpoint.save_last is False and cfg.log_processor.window_size == 1
    assert cfg.param_scheduler  # the config's warm-up stays


def test_without_cuda_it_exits_with_a_clear_message():
    proc = subprocess.run([sys.executable, SCRIPT, '--models', 'resnet50'], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert 'gpu_check needs a CUDA GPU' in proc.stderr and '--dry-run' in proc.stderr


def test_synthetic_cifar_is_written_once(tmp_path):
    gpu_check.make_data(str(tmp_path), ['resnet50'])
    folder = tmp_path / 'cifar100'
    assert (folder / 'cifar-100-python' / 'train').is_file() and (folder / '.complete').is_file()
    stamp = (folder / 'cifar-100-python' / 'train').stat().st_mtime_ns
    gpu_check.make_data(str(tmp_path), ['resnet50'])
    assert (folder / 'cifar-100-python' / 'train').stat().st_mtime_ns == stamp


def write_scalars(work_dir, times, memory, losses=None):
    folder = work_dir / '20260101_000000' / 'vis_data'
    folder.mkdir(parents=True)
    rows = [dict(lr=0.01, data_time=0.001, loss=(losses or [1.0] * len(times))[i], time=t, iter=i + 1, step=i + 1,
                 memory=memory[i]) for i, t in enumerate(times)]
    (folder / 'scalars.json').write_text('\n'.join(json.dumps(r) for r in rows) + '\n')


def test_scalars_give_the_steady_state_median_and_the_peak(tmp_path):
    write_scalars(tmp_path, [3.0, 1.0, 0.2, 0.1, 0.3], [900, 1000, 950, 950, 950])
    res = gpu_check.parse_scalars(str(tmp_path), warmup=2)
    assert res == dict(iters=5, time=0.2, data_time=0.001, memory_mib=1000, finite_loss=True)
    with pytest.raises(RuntimeError, match='5 logged iterations, not more than --warmup 5'):
        gpu_check.parse_scalars(str(tmp_path), warmup=5)


def test_non_finite_loss_is_flagged(tmp_path):
    write_scalars(tmp_path, [1.0, 1.0], [1, 1], losses=[1.0, float('nan')])
    assert gpu_check.parse_scalars(str(tmp_path), warmup=0)['finite_loss'] is False


def test_table_ratios_are_against_full_of_the_same_model_and_amp():
    results = [dict(model='resnet50', paradigm='protuning', amp=True, time=0.05, data_time=0.001, memory_mib=3000,
                    finite_loss=True),
               dict(model='resnet50', paradigm='full', amp=True, time=0.1, data_time=0.001, memory_mib=6000,
                    finite_loss=True),
               dict(model='resnet50', paradigm='head', amp=False, error='exit 1, see x.log')]
    lines = gpu_check.table(results, gpus=1).splitlines()
    assert lines[2] == '| resnet50 (224², 16) | protuning | on | 50 | 1 | 320.0 | 3000 | 0.50 | 0.50 |'
    assert lines[3] == '| resnet50 (224², 16) | full | on | 100 | 1 | 160.0 | 6000 | 1.00 | 1.00 |'
    assert lines[4].startswith('| resnet50 (224², 16) | head | off | failed: exit 1')
    assert all(line.count('|') == lines[0].count('|') for line in lines)


def test_latency_is_opt_in_and_runs_training_cost_inference_only():
    assert not any('training_cost.py' in ' '.join(c) for c in dry_run('--models', 'resnet50'))
    cmds = dry_run('--models', 'resnet50', '--paradigms', 'full', '--amp', 'off', '--latency', '--latency-rounds', '7')
    assert len(cmds) == 2 and cmds[0][1] == 'tools/train.py'
    latency = cmds[1]
    assert latency[1:3] == ['benchmarks/training_cost.py', '--no-train']
    args = ' '.join(latency)
    assert '--models resnet50 swin-s ' in args and '--infer-batches 1 32 ' in args
    assert '--infer-rounds 7 ' in args and '--infer-repeats 1 ' in args and '--no-compile' not in args
    assert latency[-1].endswith('work_dirs/gpu_check/latency.json')
    # detectors are not timed by training_cost.py: refused by name, not silently skipped
    proc = subprocess.run([sys.executable, SCRIPT, '--dry-run', '--latency', '--latency-models', 'htc-r50'],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "invalid choice: 'htc-r50'" in proc.stderr


def test_latency_table_is_what_training_cost_prints_for_its_json(tmp_path):
    """The GPU report quotes the tables training_cost.py prints for the results it saved (--from-json here)."""
    latency = {'plain': 0.01, 'protuning': 0.0105, 'compiled': 0.0107, 'plain compiled': 0.008,
               'whole compiled': 0.0083}
    results = {'resnet50': dict(infer={'1': dict(flops=dict(plain=1.0, protuning=1.1), latency=latency)})}
    saved = tmp_path / 'latency.json'
    saved.write_text(json.dumps({**results, '_meta': dict(date='2026-11-30', machine='NVIDIA H200, torch 2.11',
                                                          how='n/a', command='python benchmarks/training_cost.py')}))
    proc = subprocess.run([sys.executable, 'benchmarks/training_cost.py', '--from-json', str(saved)],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    quoted = gpu_check.latency_table(str(saved))
    assert quoted in proc.stdout
    assert '| resnet50 (224²) | 1 | 1.100 | 10 ms | 10 ms | 1.050 |' in quoted and 'NVIDIA' not in quoted
