"""Resident memory of N Pro-tuning tasks served on one frozen backbone vs N full models side by side.

Usage:
    python benchmarks/multitask_memory.py [--depth 50] [--tasks cls det seg] [--work-dir DIR]
                                          [--image-size 320 240]

Builds a stand-in base (a randomly initialised ``mmpretrain.ResNet``, saved like a pre-trained
checkpoint; nothing is downloaded), one task config per ``--tasks`` entry (mmpretrain ImageNet
classifier, mmdet RetinaNet-FPN, mmseg UperNet, with their upstream heads, all wrapping the same
ProTuningBackbone base), a delta and a merged full checkpoint per task. Then, each in a fresh
process, it measures the resident set size (Linux ``/proc/self/status`` VmRSS) after loading:

* ``shared``: :class:`protuning_mm.apis.MultiTaskInferencer` with the N deltas;
* ``separate``: N plain OpenMMLab inferencers (``ImageClassificationInferencer``, ``DetInferencer``,
  ``MMSegInferencer``) on the merged full checkpoints,

and again after one image through every task. The baseline is the same process after importing
the three codebases and building their inferencer classes' dependencies, before any model.
"""
import argparse
import gc
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import textwrap

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

UPSTREAM = {  # depth -> task -> upstream config whose head/neck channels fit that ResNet
    18: dict(cls='mmpretrain::resnet/resnet18_8xb32_in1k.py', det='mmdet::retinanet/retinanet_r18_fpn_1x_coco.py',
             seg='mmseg::upernet/upernet_r18_4xb2-40k_cityscapes-512x1024.py'),
    50: dict(cls='mmpretrain::resnet/resnet50_8xb32_in1k.py', det='mmdet::retinanet/retinanet_r50_fpn_1x_coco.py',
             seg='mmseg::upernet/upernet_r50_4xb2-40k_cityscapes-512x1024.py'),
}
CONFIG = """
_base_ = ['{upstream}']
custom_imports = dict(imports=['protuning_mm'], allow_failed_imports=False)
model = dict({extra}backbone=dict(_delete_=True, type='ProTuningBackbone', backbone=dict(
    type='mmpretrain.ResNet', depth={depth}, out_indices=(0, 1, 2, 3),
    init_cfg=dict(type='Pretrained', checkpoint='{base}', prefix='backbone'))))
test_dataloader = dict(dataset=dict(pipeline={pipeline}))
"""
PIPELINES = {
    'cls': "[dict(type='LoadImageFromFile'), dict(type='ResizeEdge', scale=256, edge='short'), "
           "dict(type='CenterCrop', crop_size=224), dict(type='PackInputs')]",
    'det': "[dict(type='LoadImageFromFile'), dict(type='Resize', scale=({w}, {h}), keep_ratio=True), "
           "dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', "
           "'scale_factor'))]",
    'seg': "[dict(type='LoadImageFromFile'), dict(type='Resize', scale=({w}, {h}), keep_ratio=True), "
           "dict(type='PackSegInputs')]",
}
EXTRA = {'cls': '', 'det': '', 'seg': 'pretrained=None, '}  # mmseg configs name an ImageNet checkpoint there


def rss_mib() -> float:
    with open('/proc/self/status') as f:
        return next(int(line.split()[1]) for line in f if line.startswith('VmRSS:')) / 1024


def prepare(args) -> dict:
    """Write the base, configs, deltas and merged checkpoints; return the plan for the workers."""
    import mmcv
    import numpy as np
    import torch
    from mmengine.logging import MMLogger
    from mmengine.registry import MODELS

    import protuning_mm  # noqa: F401
    from protuning_mm.apis import build_task_model
    from protuning_mm.engine import merge_delta, save_delta
    MMLogger.get_current_instance().setLevel('WARNING')
    os.makedirs(args.work_dir, exist_ok=True)
    base = osp.join(args.work_dir, f'resnet{args.depth}_base.pth')
    torch.manual_seed(0)
    inner = MODELS.build(dict(type='mmpretrain.ResNet', depth=args.depth))
    torch.save({'state_dict': {'backbone.' + k: v for k, v in inner.state_dict().items()}}, base)
    tasks = []
    for i, kind in enumerate(args.tasks):
        name = f'{kind}{i}'
        config = osp.join(args.work_dir, f'{name}.py')
        with open(config, 'w') as f:
            f.write(CONFIG.format(upstream=UPSTREAM[args.depth][kind], depth=args.depth, base=base,
                                  extra=EXTRA[kind], pipeline=PIPELINES[kind].format(w=args.image_size[0],
                                                                                     h=args.image_size[1])))
        model = build_task_model(config)
        delta, full = osp.join(args.work_dir, f'{name}_delta.pth'), osp.join(args.work_dir, f'{name}_full.pth')
        save_delta(model, delta)
        torch.save(merge_delta(model, delta), full)
        tasks.append(dict(name=name, kind=kind, config=config, delta=delta, full=full,
                          delta_mib=osp.getsize(delta) / 2**20, full_mib=osp.getsize(full) / 2**20))
        del model
    image = osp.join(args.work_dir, 'image.png')
    mmcv.imwrite(np.random.default_rng(0).integers(0, 255, (args.image_size[1], args.image_size[0], 3),
                                                   dtype=np.uint8), image)
    return dict(tasks=tasks, image=image)


def measure(mode: str, plan: dict) -> dict:
    """Runs in a fresh process: load the tasks one way, report RSS growth."""
    import torch
    from mmdet.apis import DetInferencer
    from mmengine.logging import MMLogger
    from mmpretrain.apis import ImageClassificationInferencer
    from mmseg.apis import MMSegInferencer

    import protuning_mm  # noqa: F401
    from protuning_mm.apis import MultiTaskInferencer
    MMLogger.get_current_instance().setLevel('WARNING')
    torch.set_num_threads(max(1, torch.get_num_threads()))
    gc.collect()
    baseline = rss_mib()
    if mode == 'shared':
        server = MultiTaskInferencer(device='cpu')
        for t in plan['tasks']:
            server.add_task(t['name'], t['config'], t['delta'])
        run = {t['name']: (lambda name: lambda img: server(name, img))(t['name']) for t in plan['tasks']}
        models = [server.inferencer(t['name']).model for t in plan['tasks']]
    else:
        inferencers = {}
        for t in plan['tasks']:
            if t['kind'] == 'cls':
                inferencers[t['name']] = ImageClassificationInferencer(t['config'], pretrained=t['full'], device='cpu')
            elif t['kind'] == 'det':
                inferencers[t['name']] = DetInferencer(t['config'], weights=t['full'], device='cpu',
                                                       show_progress=False)
            else:
                inferencers[t['name']] = MMSegInferencer(t['config'], weights=t['full'], device='cpu')
        run = inferencers
        models = [inf.model for inf in inferencers.values()]
    gc.collect()
    loaded = rss_mib()
    tensors = {}
    for m in models:
        for v in list(m.parameters()) + list(m.buffers()):
            tensors[v.data_ptr()] = v.numel() * v.element_size()
    with torch.no_grad():
        for t in plan['tasks']:
            run[t['name']](plan['image'])
    gc.collect()
    return dict(mode=mode, models_mib=loaded - baseline, after_inference_mib=rss_mib() - baseline,
                tensor_mib=sum(tensors.values()) / 2**20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--depth', type=int, choices=sorted(UPSTREAM), default=50)
    parser.add_argument('--tasks', nargs='+', choices=['cls', 'det', 'seg'], default=['cls', 'det', 'seg'])
    parser.add_argument('--work-dir', help='where to write the stand-in checkpoints (default: a temp dir)')
    parser.add_argument('--image-size', type=int, nargs=2, default=[320, 240], metavar=('W', 'H'))
    parser.add_argument('--measure', choices=['shared', 'separate'], help=argparse.SUPPRESS)
    parser.add_argument('--plan', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # worker process
        with open(args.plan) as f:
            print('RESULT ' + json.dumps(measure(args.measure, json.load(f))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        args.work_dir = args.work_dir or tmp
        plan = prepare(args)
        plan_file = osp.join(args.work_dir, 'plan.json')
        with open(plan_file, 'w') as f:
            json.dump(plan, f)
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
        results = {}
        for mode in ('shared', 'separate'):
            proc = subprocess.run([sys.executable, __file__, '--measure', mode, '--plan', plan_file],
                                  env=env, capture_output=True, text=True)
            line = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT ')]
            if proc.returncode or not line:
                raise RuntimeError(f'{mode} worker failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}')
            results[mode] = json.loads(line[0][len('RESULT '):])
    n = len(plan['tasks'])
    kinds = ' + '.join(t['kind'] for t in plan['tasks'])
    print(textwrap.dedent(f"""
        ResNet-{args.depth} base, {n} tasks ({kinds}), image {args.image_size[0]}x{args.image_size[1]}, CPU

        | checkpoints | per task (MiB) |
        | --- | --- |
        | delta | {', '.join(f"{t['name']} {t['delta_mib']:.1f}" for t in plan['tasks'])} |
        | full (merged) | {', '.join(f"{t['name']} {t['full_mib']:.1f}" for t in plan['tasks'])} |

        | serving | weights in memory (MiB) | RSS after loading (MiB) | RSS after one image per task (MiB) |
        | --- | ---: | ---: | ---: |"""))
    for mode, label in (('shared', f'1 shared backbone + {n} deltas'), ('separate', f'{n} full models side by side')):
        r = results[mode]
        print(f'| {label} | {r["tensor_mib"]:.0f} | {r["models_mib"]:.0f} | {r["after_inference_mib"]:.0f} |')


if __name__ == '__main__':
    main()
