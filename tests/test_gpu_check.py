"""benchmarks/gpu_check.py without a GPU: the commands of each stage (--dry-run), what their
--cfg-options do to the real configs, the plan (--plan), the refusal without CUDA, the table it
builds from mmengine's scalars.json, and the stage runner itself, driven with stand-in commands:
files written after every step, a stage cut by its time limit (and the whole check killed) leaving
the finished steps' files complete, --skip-ops."""
import json
import multiprocessing
import os
import os.path as osp
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mmengine.config import Config, DictAction

from benchmarks import gpu_check

ROOT = Path(__file__).resolve().parents[1]


SCRIPT = str(ROOT / 'benchmarks' / 'gpu_check.py')


def dry_run_stages(*args: str) -> dict:
    """Stage index -> its commands, as --dry-run prints them."""
    proc = subprocess.run([sys.executable, SCRIPT, '--dry-run', *args], capture_output=True, text=True, check=True,
                          cwd=ROOT)
    stages = {}
    for line in proc.stdout.splitlines():
        if line.startswith('# stage '):
            stages[int(line.split()[2].rstrip(':'))] = current = []
        else:
            current.append(shlex.split(line))
    return stages


def dry_run(*args: str) -> list:
    """The training commands of every stage."""
    return [c for cmds in dry_run_stages(*args).values() for c in cmds if c[1:2] == ['tools/train.py']
            or c[:2] == ['bash', 'tools/dist_train.sh']]


def cfg_options(cmd: list) -> dict:
    """The --cfg-options of a command, parsed as tools/train.py parses them."""
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(cmd[cmd.index('--cfg-options'):]).cfg_options


def test_dry_run_shows_each_stage_in_order():
    stages = dry_run_stages('--bundle', 'offline_bundle', '--models', 'resnet50', 'htc-r50', '--paradigms',
                            'memory-mode', 'full', '--dist-paradigms', 'full', '--amp', 'on', '--gpus', '2',
                            '--iters', '12', '--warmup', '2')
    # stage 0: the GPU, the install without mmcv's ops, the stack
    probe = [sys.executable, 'benchmarks/gpu_check.py', '--probe']
    assert stages[0] == [probe, ['env', 'PROTUNING_MMCV_FLAVOUR=lite', 'bash', 'tools/install.sh', '--offline',
                                 'offline_bundle'], probe]
    # stage 1: ResNet-50 only (HTC needs mmcv's ops): data, full first, then the torchrun run
    data, *runs = stages[1]
    assert data[1:] == ['benchmarks/gpu_check.py', '--make-data', str(ROOT / 'work_dirs/gpu_check/data'),
                        '--models', 'resnet50']
    resnet = 'configs/classification/resnet50/resnet50_protuning_cifar100.py'
    assert [c[1:3] for c in runs[:2]] == [['tools/train.py', resnet]] * 2
    assert runs[2][:4] == ['bash', 'tools/dist_train.sh', resnet, '2']  # --gpus: dist_train.sh's processes
    for cmd, (paradigm, with_cp) in zip(runs, [('full', False), ('protuning', True), ('full', False)]):
        opts = cfg_options(cmd)
        assert '--amp' in cmd and opts['model.backbone.paradigm'] == paradigm
        assert opts['model.backbone.with_cp'] is with_cp
        assert opts['model.backbone.backbone.init_cfg'] is None  # random init: no checkpoint download
        assert opts['train_cfg.type'] == 'IterBasedTrainLoop' and opts['train_cfg.max_iters'] == 12
        assert opts['val_cfg'] is None and opts['default_hooks.logger.interval'] == 1
    assert runs[2][runs[2].index('--work-dir') + 1].endswith('work_dirs/gpu_check/resnet50_full_amp_dist')
    # stage 2: the ops build for the GPU stage 0 finds, every core; then HTC
    build, data, *runs = stages[2]
    assert build[:3] == ['env', 'PROTUNING_MMCV_FLAVOUR=cuda', 'TORCH_CUDA_ARCH_LIST=<compute capability of the '
                         'visible GPU, from stage 0>']
    assert build[3:] == [f'MAX_JOBS={gpu_check.cores()}', 'bash', 'tools/install.sh', '--offline', 'offline_bundle']
    assert data[-2:] == ['--models', 'htc-r50']
    assert [c[2] if c[0] != 'bash' else c[2] for c in runs] == [
        'configs/htc_r50_protuning_coco.py', 'configs/detection/htc/htc_r50_fpn_protuning-memory_1x_coco.py',
        'configs/htc_r50_protuning_coco.py']
    assert cfg_options(runs[0])['train_dataloader.dataset.data_root'].endswith('work_dirs/gpu_check/data/coco/')


def test_dry_run_defaults_skip_ops_and_no_install():
    stages = dry_run_stages()
    assert stages[0][1] == ['env', 'PROTUNING_MMCV_FLAVOUR=lite', 'bash', 'tools/install.sh']  # online
    # per stage: 2 models x (4 paradigms + 2 through dist_train.sh) x 2 AMP settings
    assert len(dry_run()) == 2 * 24
    assert sorted({c[2] for c in dry_run() if c[0] == 'bash'}) == [
        'configs/cascade-mask-rcnn_r50_protuning_coco.py', 'configs/classification/resnet50/resnet50_protuning_cifar100.py',
        'configs/htc_r50_protuning_coco.py', 'configs/upernet_r50_protuning_ade20k.py']
    stages = dry_run_stages('--skip-ops', '--no-install')
    assert sorted(stages) == [0, 1] and len(stages[0]) == 1  # the GPU and the stack: nothing installed


def test_dry_run_on_one_model_amp_first_and_no_dist_runs():
    cmds = dry_run('--models', 'upernet-r50', '--paradigms', 'head', '--dist-paradigms')
    assert [c[1:3] for c in cmds] == [['tools/train.py', 'configs/upernet_r50_protuning_ade20k.py']] * 2
    assert ['--amp' in c for c in cmds] == [True, False]  # mixed precision first: it is how GPUs train
    assert cfg_options(cmds[0])['model.pretrained'] is None


def test_stage_runs_go_in_order_of_worth():
    runs = gpu_check.stage_runs(['resnet50', 'upernet-r50'], ['head', 'protuning', 'full'], [False, True],
                                ['protuning', 'full'])
    names = [r.name for r in runs]
    assert names[:8] == ['resnet50_full_amp', 'resnet50_head_amp', 'resnet50_protuning_amp',
                         'upernet-r50_full_amp', 'upernet-r50_head_amp', 'upernet-r50_protuning_amp',
                         'resnet50_full_amp_dist', 'resnet50_protuning_amp_dist']
    assert names[10] == 'resnet50_full_fp32' and len(names) == len(set(names)) == 2 * (3 + 2) * 2


@pytest.mark.parametrize('model', list(gpu_check.MODELS))
def test_options_turn_the_real_config_into_a_short_synthetic_run(model, tmp_path):
    cmd = gpu_check.command(model, 'memory-mode', True, 20, str(tmp_path / 'data'), str(tmp_path))
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


def test_without_cuda_it_stops_before_installing_with_a_clear_message(tmp_path):
    out = tmp_path / 'out'
    proc = subprocess.run([sys.executable, SCRIPT, '--bundle', str(tmp_path / 'no_bundle'), '--models', 'resnet50',
                           '--out', str(out), '--work-dir', str(tmp_path / 'w')], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 2
    assert 'gpu_check needs a CUDA GPU' in proc.stderr and '--dry-run' in proc.stderr
    stage0 = json.loads((out / 'stage0.json').read_text())
    assert stage0['status'] == 'failed' and 'needs a CUDA GPU' in stage0['note']
    assert [s['name'] for s in stage0['steps']] == ['gpu']  # the real probe; install.sh never ran
    assert stage0['stack']['cuda_available'] is False and stage0['stack']['versions']['mmcv'] == '2.1.0'
    assert sorted(os.listdir(out)) == ['report.md', 'stage0.json', 'stage0.md']


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


def test_table_ratios_are_against_full_of_the_same_model_launcher_and_amp():
    results = [dict(model='resnet50', paradigm='protuning', amp=True, launcher='single', time=0.05, data_time=0.001,
                    memory_mib=3000, finite_loss=True),
               dict(model='resnet50', paradigm='full', amp=True, launcher='single', time=0.1, data_time=0.001,
                    memory_mib=6000, finite_loss=True),
               dict(model='resnet50', paradigm='protuning', amp=True, launcher='dist', gpus=2, time=0.06,
                    data_time=0.001, memory_mib=3100, finite_loss=True),
               dict(model='resnet50', paradigm='head', amp=False, error='exit 1, see x.log')]
    lines = gpu_check.table(results).splitlines()
    assert lines[2] == '| resnet50 (224², 16) | train.py | protuning | on | 50 | 1 | 320.0 | 3000 | 0.50 | 0.50 |'
    assert lines[3] == '| resnet50 (224², 16) | train.py | full | on | 100 | 1 | 160.0 | 6000 | 1.00 | 1.00 |'
    # no full run through dist_train.sh: no ratio; images/s counts both processes
    assert lines[4] == '| resnet50 (224², 16) | dist_train.sh × 2 | protuning | on | 60 | 1 | 533.3 | 3100 | – | – |'
    assert lines[5].startswith('| resnet50 (224², 16) | train.py | head | off | failed: exit 1')
    assert all(line.count('|') == lines[0].count('|') for line in lines)


def test_latency_is_opt_in_and_runs_training_cost_inference_only():
    assert not any('training_cost.py' in ' '.join(c) for c in dry_run_stages('--models', 'resnet50')[1])
    stage1 = dry_run_stages('--models', 'resnet50', '--paradigms', 'full', '--dist-paradigms', '--amp', 'off',
                            '--latency', '--latency-rounds', '7')[1]
    assert len(stage1) == 3 and stage1[1][1] == 'tools/train.py'
    latency = stage1[2]  # after the training runs, in stage 1 (it needs no mmcv op)
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
    latency = {'plain': 0.01, 'protuning': 0.0105, 'plain compiled': 0.008, 'whole compiled': 0.0083}
    infer = dict(flops=dict(plain=1.0, protuning=1.1), params=dict(plain=100, protuning=112), latency=latency)
    results = {'resnet50': dict(infer={'1': infer})}
    saved = tmp_path / 'latency.json'
    saved.write_text(json.dumps({**results, '_meta': dict(date='2026-11-30', machine='NVIDIA H200, torch 2.11',
                                                          how='n/a', command='python benchmarks/training_cost.py')}))
    proc = subprocess.run([sys.executable, 'benchmarks/training_cost.py', '--from-json', str(saved)],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    quoted = gpu_check.latency_table(str(saved))
    assert quoted in proc.stdout
    # batch 1: bounded by the parameter ratio where it is above the FLOPs ratio
    assert '| resnet50 (224²) | 1 | 1.100 | 1.120 | 10 ms | 10 ms | 1.050 |' in quoted and 'NVIDIA' not in quoted


# -- the plan ----------------------------------------------------------------------------------------
def test_plan_gives_the_one_command_what_to_carry_the_stages_and_the_results():
    plan = subprocess.run([sys.executable, SCRIPT, '--plan'], capture_output=True, text=True, cwd=ROOT,
                          check=True).stdout
    one_command = 'python3 benchmarks/gpu_check.py --bundle offline_bundle --out "$OUT" --time-limit 570'
    assert f'  {one_command}\n' in plan
    assert 'offline_bundle/' in plan and 'MiB of the 64 MiB a run carries (fits)' in plan
    assert 'estimates: never run on a GPU yet' in plan
    assert '  0  ≤ 2 min' in plan and '  1  ≤ 4 min' in plan and '  2  the rest (≥ 3.5 min)' in plan
    assert 'resnet50, upernet-r50: 24 runs' in plan and 'htc-r50, cascade-r50: 24 runs' in plan
    assert ('$OUT/stage0.json, stage0.md, stage1.json, stage1.md, stage2.json, stage2.md, report.md (flat;'
            in plan.replace('\n', ' '))
    # the docs give the same command
    assert one_command in (ROOT / 'docs' / 'benchmarks.md').read_text()

    plan = subprocess.run([sys.executable, SCRIPT, '--plan', '--skip-ops'], capture_output=True, text=True, cwd=ROOT,
                          check=True).stdout
    assert '--time-limit 570 --skip-ops\n' in plan and '  2  ' not in plan and 'stage2.json' not in plan


# -- the stage runner, with stand-in commands ------------------------------------------------------
FAKE_STACK = dict(python='3.12.3', cpus=16, versions=dict(mmcv='2.1.0'), torch='2.11.0+cu130', torch_cuda='13.0',
                  cuda_available=True, gpus=[dict(name='NVIDIA H200', capability='9.0')], nvcc='13.0',
                  mmcv_ops='none (lite build)')
# A stand-in for tools/train.py: notes what the check had written when it started (and its pid),
# sleeps as told, then logs ITERS iterations as mmengine does.
FAKE_TRAIN = '''
import json, os, sys, time
work, iters, out, sleep = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
os.makedirs(work, exist_ok=True)
seen = {}
for name in sorted(os.listdir(out)):
    if name.endswith('.json'):
        with open(os.path.join(out, name)) as f:
            stage = json.load(f)
        seen[name] = dict(status=stage['status'], results=len(stage['results']))
with open(os.path.join(work, 'seen.json'), 'w') as f:
    json.dump(dict(pid=os.getpid(), seen=seen), f)
time.sleep(sleep)
folder = os.path.join(work, '20260101_000000', 'vis_data')
os.makedirs(folder)
with open(os.path.join(folder, 'scalars.json'), 'w') as f:
    for i in range(iters):
        # 0.5 s, then 0.25 s: exact in binary, so the median after the warm-up is 0.25
        f.write(json.dumps(dict(loss=1.0, time=0.5 if i == 0 else 0.25, data_time=0.001, memory=1000 + i,
                                step=i + 1)) + '\\n')
'''


def stand_ins(module, tmp_path, out, sleeps=None, setattr=setattr):
    """Replace the check's commands by quick stand-ins (the runner, the files and the time limits
    stay real): the probe prints an H200 host, install.sh notes how it was called (in
    ``installs.jsonl``) and its pid (in ``<flavour>.pid``) and sleeps, the data step does nothing,
    tools/train.py is FAKE_TRAIN. ``sleeps``: seconds by run name or install flavour."""
    sleeps = sleeps or {}
    fake = tmp_path / 'fake_train.py'
    fake.write_text(FAKE_TRAIN)

    def install_command(bundle, flavour, **env):
        note = json.dumps([bundle, flavour, env])
        # like pip starting the compilers: a child of its own, which must end with it
        return [sys.executable, '-c', f'import os, subprocess\n'
                f'open({str(tmp_path / "installs.jsonl")!r}, "a").write({note!r} + "\\n")\n'
                f'child = subprocess.Popen(["sleep", "{sleeps.get(flavour, 0)}"])\n'
                f'open({str(tmp_path / f"{flavour}.pid")!r}, "w").write(f"{{os.getpid()}} {{child.pid}}")\n'
                'child.wait()']

    def command(model, paradigm, amp, iters, data_dir, work_dir, launcher='single', gpus=1):
        name = module.run_name(model, paradigm, amp, launcher)
        return [sys.executable, str(fake), osp.join(work_dir, name), str(iters), str(out), str(sleeps.get(name, 0))]

    setattr(module, 'probe_command', lambda: [sys.executable, '-c', f'print({json.dumps(json.dumps(FAKE_STACK))})'])
    setattr(module, 'install_command', install_command)
    setattr(module, 'data_command', lambda data_dir, models: [sys.executable, '-c', ''])
    setattr(module, 'command', command)


def installs(tmp_path):
    """The install.sh stand-in's runs: (bundle, flavour, environment)."""
    return [tuple(json.loads(line)) for line in (tmp_path / 'installs.jsonl').read_text().splitlines()]


def check(tmp_path, *args):
    return gpu_check.main(['--bundle', 'offline_bundle', '--out', str(tmp_path / 'out'), '--work-dir',
                           str(tmp_path / 'w'), '--iters', '4', '--warmup', '1', '--amp', 'on', *args])


def seen(tmp_path, run):
    return json.loads((tmp_path / 'w' / run / 'seen.json').read_text())


def stage(tmp_path, index):
    return json.loads((tmp_path / 'out' / f'stage{index}.json').read_text())


def test_each_stage_is_written_before_the_next_starts_and_after_every_run(tmp_path, monkeypatch):
    stand_ins(gpu_check, tmp_path, tmp_path / 'out', setattr=monkeypatch.setattr)
    assert check(tmp_path, '--models', 'resnet50', 'htc-r50', '--paradigms', 'protuning', 'full',
                 '--dist-paradigms', 'full') == 0
    # stage 0 installed mmcv without ops from the bundle; stage 2 built its CUDA ops for the probed
    # GPU only, with every core
    assert installs(tmp_path) == [('offline_bundle', 'lite', {}),
                                  ('offline_bundle', 'cuda', dict(TORCH_CUDA_ARCH_LIST='9.0',
                                                                  MAX_JOBS=str(gpu_check.cores())))]
    # every run saw the runs before it already written, and stage 2 saw stages 0 and 1 complete
    assert seen(tmp_path, 'resnet50_full_amp')['seen'] == {
        'stage0.json': dict(status='done', results=0), 'stage1.json': dict(status='running', results=0)}
    assert seen(tmp_path, 'resnet50_full_amp_dist')['seen']['stage1.json'] == dict(status='running', results=2)
    assert seen(tmp_path, 'htc-r50_full_amp')['seen'] == {
        'stage0.json': dict(status='done', results=0), 'stage1.json': dict(status='done', results=3),
        'stage2.json': dict(status='running', results=0)}

    s0, s1, s2 = (stage(tmp_path, i) for i in range(3))
    assert [s['name'] for s in s0['steps']] == ['gpu', 'install', 'stack'] and s0['stack'] == FAKE_STACK
    assert [s['name'] for s in s2['steps']] == ['mmcv_ops', 'data', 'htc-r50_full_amp', 'htc-r50_protuning_amp',
                                                'htc-r50_full_amp_dist']
    assert s1['status'] == s2['status'] == 'done' and s1['not_run'] == [] and s0['meta']['iters'] == 4
    run = s1['results'][0]
    assert (run['model'], run['paradigm'], run['launcher'], run['time'], run['memory_mib']) == (
        'resnet50', 'full', 'single', 0.25, 1003)  # median after 1 warm-up iteration, peak memory
    # the report joins the stages; the output folder is flat and small, with no temporary file left
    report = (tmp_path / 'out' / 'report.md').read_text()
    assert 'Stages: 0 done, 1 done, 2 done.' in report and 'NVIDIA H200 (sm_90) × 1' in report
    assert '| resnet50 (224², 16) | dist_train.sh × 1 | full | on | 250 |' in report
    assert '| htc-r50 (1066x800, 2) | train.py | protuning | on | 250 | 1 | 8.0 | 1003 | 1.00 | 1.00 |' in report
    assert sorted(os.listdir(tmp_path / 'out')) == ['report.md', 'stage0.json', 'stage0.md', 'stage1.json',
                                                   'stage1.md', 'stage2.json', 'stage2.md']


def test_skip_ops_leaves_stage_2_out(tmp_path, monkeypatch):
    stand_ins(gpu_check, tmp_path, tmp_path / 'out', setattr=monkeypatch.setattr)
    assert check(tmp_path, '--models', 'resnet50', 'htc-r50', '--paradigms', 'full', '--dist-paradigms',
                 '--skip-ops') == 0
    assert [flavour for _, flavour, _ in installs(tmp_path)] == ['lite']  # no ops build
    assert not (tmp_path / 'w' / 'htc-r50_full_amp').exists()
    assert sorted(os.listdir(tmp_path / 'out')) == ['report.md', 'stage0.json', 'stage0.md', 'stage1.json',
                                                   'stage1.md']
    assert 'Stage 2 left out (--skip-ops).' in (tmp_path / 'out' / 'report.md').read_text()


def alive(pid: int, wait: float = 5) -> bool:
    """Whether ``pid`` still runs after up to ``wait`` seconds (a zombie counts as ended: an
    orphan's is reaped by init in its own time)."""
    deadline = time.time() + wait
    while True:
        try:
            with open(f'/proc/{pid}/stat') as f:
                running = f.read().rsplit(')', 1)[1].split()[0] != 'Z'
        except (FileNotFoundError, ProcessLookupError):
            return False
        if not running or time.time() > deadline:
            return running
        time.sleep(0.05)


def test_a_stage_out_of_time_stops_its_run_lists_the_rest_and_the_next_stage_goes_on(tmp_path, monkeypatch):
    stand_ins(gpu_check, tmp_path, tmp_path / 'out', sleeps={'resnet50_protuning_amp': 60}, setattr=monkeypatch.setattr)
    start = time.time()
    assert check(tmp_path, '--models', 'resnet50', 'htc-r50', '--paradigms', 'full', 'protuning', 'head',
                 '--dist-paradigms', '--stage-limits', '0', '3') == 0  # out of time is no failure
    assert time.time() - start < 20  # the 60 s run was ended at stage 1's limit
    s1 = stage(tmp_path, 1)
    assert s1['status'] == 'cut' and s1['not_run'] == ['resnet50_head_amp']
    full, cut = s1['results']
    assert full['time'] == 0.25 and cut['paradigm'] == 'protuning' and cut['error'].startswith('cut by the time limit')
    assert not alive(seen(tmp_path, 'resnet50_protuning_amp')['pid'])  # killed, not left running
    assert 'Not run (no time left): resnet50_head_amp.' in (tmp_path / 'out' / 'stage1.md').read_text()
    s2 = stage(tmp_path, 2)  # stage 2 has no limit of its own
    assert s2['status'] == 'done' and len(s2['results']) == 3 and all('time' in r for r in s2['results'])
    assert 'Stages: 0 done, 1 cut, 2 done.' in (tmp_path / 'out' / 'report.md').read_text()


def test_the_time_limit_cuts_the_ops_build_and_the_detectors_are_listed_as_not_run(tmp_path, monkeypatch):
    stand_ins(gpu_check, tmp_path, tmp_path / 'out', sleeps={'cuda': 60}, setattr=monkeypatch.setattr)
    assert check(tmp_path, '--models', 'resnet50', 'htc-r50', '--paradigms', 'full', '--dist-paradigms',
                 '--time-limit', '4') == 0
    assert stage(tmp_path, 1)['status'] == 'done'
    s2 = stage(tmp_path, 2)
    assert s2['status'] == 'cut' and s2['steps'][0]['name'] == 'mmcv_ops' and s2['steps'][0]['cut'] is True
    assert s2['not_run'] == ['data', 'htc-r50_full_amp'] and s2['results'] == []
    assert not any(alive(int(pid)) for pid in (tmp_path / 'cuda.pid').read_text().split())  # and its child


def killed_check(tmp_path: Path) -> None:
    """The check in a process of its own (forked: it has the stand-ins without importing this module)."""
    stand_ins(gpu_check, tmp_path, tmp_path / 'out', sleeps={'cuda': 120})
    sys.exit(check(tmp_path, '--models', 'resnet50', 'htc-r50', '--paradigms', 'full', '--dist-paradigms'))


@pytest.mark.parametrize('sig', [signal.SIGKILL, signal.SIGTERM])
def test_a_check_killed_in_stage_2_leaves_stages_0_and_1_complete(tmp_path, sig):
    """What a time limit outside the check does (the device's, or `timeout`): SIGTERM, or SIGKILL."""
    proc = multiprocessing.get_context('fork').Process(target=killed_check, args=(tmp_path, ))
    proc.start()
    pid_file = tmp_path / 'cuda.pid'
    deadline = time.time() + 60
    while not pid_file.is_file() or not pid_file.read_text():  # the ops build has started
        assert proc.is_alive() and time.time() < deadline, f'the check ended ({proc.exitcode}) before the ops build'
        time.sleep(0.05)
    pids = [int(pid) for pid in pid_file.read_text().split()]  # the build and its child
    os.kill(proc.pid, sig)
    proc.join(30)
    rc = proc.exitcode
    try:
        assert stage(tmp_path, 0)['status'] == stage(tmp_path, 1)['status'] == 'done'
        assert stage(tmp_path, 1)['results'][0]['time'] == 0.25
        assert '| resnet50 (224², 16) | train.py | full | on | 250 |' in (tmp_path / 'out' / 'stage1.md').read_text()
        s2 = stage(tmp_path, 2)
        if sig == signal.SIGTERM:  # the check ends the build and says so
            assert rc == 128 + signal.SIGTERM and s2['status'] == 'stopped' and 'SIGTERM' in s2['note']
            assert s2['steps'][0]['cut'] is True and not any(alive(pid) for pid in pids)
        else:  # nothing more is written: the last complete state is there
            assert rc == -signal.SIGKILL and s2['status'] == 'running' and s2['steps'] == []
        assert 'Stages: 0 done, 1 done, 2 ' in (tmp_path / 'out' / 'report.md').read_text()
        assert not any(name.endswith('.tmp') for name in os.listdir(tmp_path / 'out'))
    finally:
        for pid in pids:  # SIGKILL leaves the build orphaned, as on the device
            if alive(pid, wait=0):
                os.kill(pid, signal.SIGKILL)


def test_a_write_that_dies_before_the_rename_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / 'stage1.json'
    gpu_check.write_atomic(str(path), '{"complete": 1}')

    def killed(src, dst):
        raise KeyboardInterrupt  # the process dies between writing the new content and renaming it

    monkeypatch.setattr(gpu_check.os, 'replace', killed)
    with pytest.raises(KeyboardInterrupt):
        gpu_check.write_atomic(str(path), '{"complete": 2}')
    assert json.loads(path.read_text()) == {'complete': 1}


def test_an_install_out_of_time_stops_the_check_before_any_run(tmp_path, monkeypatch):
    stand_ins(gpu_check, tmp_path, tmp_path / 'out', sleeps={'lite': 60}, setattr=monkeypatch.setattr)
    assert check(tmp_path, '--models', 'resnet50', '--stage-limits', '2', '0') == 1
    s0 = stage(tmp_path, 0)
    assert s0['status'] == 'cut' and s0['not_run'] == ['stack'] and 'install did not finish' in s0['note']
    assert sorted(os.listdir(tmp_path / 'out')) == ['report.md', 'stage0.json', 'stage0.md']
