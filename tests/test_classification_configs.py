"""Every classification config loads, is named after what it runs, and the models it builds have the
paper's trainable-parameter counts (Tables 1-4, 7-11; docs/design.md, 'Parameter targets').

Models are built with every ``init_cfg`` removed (nothing is downloaded; weights are random, which does
not change parameter counts). Each distinct model is built once; paradigms whose counts follow from one
build (head = the head, full fine-tuning = backbone + head) are derived from it, and ResNet-50, the
backbone of the ablations, is built in every paradigm.
"""
import copy
import functools
import re
from pathlib import Path
from typing import Dict, Optional, Set, Tuple

import mmengine.config.config as mmengine_config
import mmengine.config.utils as mmengine_config_utils
import pytest
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

import protuning_mm  # noqa: F401  (registers ProTuningBackbone and the datasets)
from protuning_mm.analysis.metafiles import load_metafile, paper_params
from protuning_mm.models.prompt_block import PromptBlock
from protuning_mm.models.tuning import parse_paradigm

ROOT = Path(__file__).resolve().parents[1]
CLS = ROOT / 'configs' / 'classification'
CONFIGS = sorted(p for p in CLS.rglob('*.py') if '_base_' not in p.relative_to(CLS).parts)
BACKBONES = ('resnet50', 'resnet101', 'regnetx-32gf', 'deit-small', 'deit-base', 'swin-small', 'swin-base')
PARADIGMS = ('scratch', 'head', 'partial-1', 'partial-2', 'full', 'protuning')
TABLE12_DATASETS = ('cifar10-lt-ir100', 'cifar10-lt-ir50', 'cifar100-lt-ir100', 'cifar100-lt-ir50', 'cifar10',
                    'cifar100', 'pets', 'flowers102', 'stanford-dogs', 'clothing1m', 'caltech101')
NAME = re.compile(r'(?P<backbone>[a-z0-9-]+?)_(?P<paradigm>scratch|head|partial-\d|full|protuning\+full|protuning)'
                  r'(?P<variant>-[A-Za-z0-9.-]+)?_(?P<dataset>[a-z0-9-]+?)(?P<fewshot>-fewshot)?\.py')


@pytest.fixture(scope='module', autouse=True)
def fast_mim_lookups():
    """Cache mmengine's ``mmpretrain::`` resolution for this module only.

    For ``mmpretrain::_base_/...`` mmengine first parses all 85 metafile.yml of mmpretrain (to look
    for a model of that name, ~0.4 s) and re-imports pkg_resources, on every load; the results never
    change within a test run.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mmengine_config_utils, 'load', functools.lru_cache(None)(mmengine_config_utils.load))
        mp.setattr(mmengine_config, 'is_installed', functools.lru_cache(None)(mmengine_config.is_installed))
        mp.setattr(mmengine_config, 'get_installed_path',
                   functools.lru_cache(None)(mmengine_config.get_installed_path))
        yield


@functools.lru_cache(None)
def load(rel: str) -> Config:
    return Config.fromfile(CLS / rel)


def _without_init(cfg):
    """A copy of a config tree with every ``init_cfg`` set to None (no checkpoint is loaded)."""
    if isinstance(cfg, dict):
        return {k: (None if k == 'init_cfg' else _without_init(v)) for k, v in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(_without_init(v) for v in cfg)
    return cfg


@functools.lru_cache(None)
def build(rel: str, num_classes: Optional[int] = None) -> nn.Module:
    cfg = load(rel)
    model_cfg = _without_init(copy.deepcopy(cfg.model.to_dict()))
    if num_classes is not None:
        model_cfg['head']['num_classes'] = num_classes
    # What mmengine's Runner does with the top-level data_preprocessor.
    model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    # The Runner builds inside the config's default scope (inner backbones are unscoped names).
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return MODELS.build(model_cfg)


def _bases(path: Path) -> Set[Path]:
    """Every local base file a config inherits, directly or through other configs and bases.

    Leaves name one setup base (model + schedule + runtime) and one dataset base, or inherit another
    leaf (a paradigm or ablation override), so the model/dataset/schedule bases are found by
    following ``_base_`` rather than in the leaf's own text. ``pkg::`` bases are skipped.
    """
    found: Set[Path] = set()
    todo = [path]
    while todo:
        current = todo.pop()
        for name in re.findall(r"'([^':]+\.py)'", _base_text(current)):
            base = (current.parent / name).resolve()
            if base not in found:
                found.add(base)
                todo.append(base)
    return found


def _base_text(path: Path) -> str:
    """The text of a config's ``_base_ = ...`` statement (empty when it has none)."""
    match = re.search(r"^_base_ = (\[.*?\]|'[^']*')", path.read_text(), re.M | re.S)
    return match.group(1) if match else ''


def counts(model: nn.Module) -> Dict[str, int]:
    wrapper = model.backbone
    return dict(
        trainable=sum(p.numel() for p in model.parameters() if p.requires_grad),
        backbone=sum(p.numel() for p in wrapper.backbone.parameters()),
        prompts=sum(p.numel() for p in wrapper.prompts.parameters()),
        head=sum(p.numel() for p in model.head.parameters()))


def close(ours: int, paper_m: float, rel: float) -> bool:
    """Within ``rel`` of the paper's number, or within its rounding (0.005M)."""
    return abs(ours - paper_m * 1e6) <= max(5e3, rel * paper_m * 1e6)


# -- every config ------------------------------------------------------------------------------------
def test_configs_exist_for_every_paper_cell():
    names = {p.relative_to(CLS).as_posix() for p in CONFIGS}
    missing = [f'{b}/{b}_{p}_cifar100-lt-ir100.py' for b in BACKBONES for p in PARADIGMS]
    missing += [f'{b}/{b}_protuning_{d}.py' for b in BACKBONES for d in TABLE12_DATASETS]
    missing += [f'{b}/{b}_protuning_{d}.py' for b in ('resnet50', 'deit-small', 'swin-small')
                for d in ('cifar10-c', 'cifar100-c')]
    missing += [f'{b}/{b}_protuning_{d}.py' for b in ('deit-small', 'swin-small', 'deit-base', 'swin-base')
                for d in ('imagenet-a', 'imagenet-r')]
    missing += [f'demo/mobilenetv2_{p}_mnist.py' for p in ('head', 'protuning', 'full')]
    missing = [m for m in missing if m not in names]
    assert not missing, missing
    assert len(CONFIGS) >= 150


def test_every_config_loads_and_matches_its_name():
    problems = []
    for path in CONFIGS:
        rel = path.relative_to(CLS).as_posix()
        try:
            cfg = load(rel)
        except Exception as e:  # collect all, report together
            problems.append(f'{rel}: {e!r}')
            continue
        match = NAME.fullmatch(path.name)
        backbone = cfg.model.backbone
        if not match:
            problems.append(f'{rel}: name is not <backbone>_<paradigm>[-variant]_<dataset>.py')
            continue
        if backbone.type != 'ProTuningBackbone' or backbone.paradigm != match['paradigm']:
            problems.append(f'{rel}: paradigm {backbone.get("paradigm")} != name {match["paradigm"]}')
        parse_paradigm(backbone.paradigm)
        if path.parent.name in BACKBONES and match['backbone'] != path.parent.name:
            problems.append(f'{rel}: backbone {match["backbone"]} in folder {path.parent.name}')
        if cfg.model.head.num_classes != cfg.data_preprocessor.num_classes:
            problems.append(f'{rel}: head has {cfg.model.head.num_classes} classes, data '
                            f'{cfg.data_preprocessor.num_classes}')
        if path.parent.name != 'demo':
            bases = _bases(path)
            schedule = 'adamw-cos_100e' if match['backbone'].startswith(('deit', 'swin')) else 'sgd-cos_100e'
            for want in (f"datasets/{match['dataset']}_224.py", f"models/{match['backbone']}_protuning.py",
                         f'schedules/{schedule}.py'):
                want = (CLS / '_base_' / want).resolve()
                # The named base itself, not one built on it (cifar100-lt-ir100 inherits cifar100).
                derived = [b.name for b in bases if b.parent == want.parent and want in _bases(b)]
                if want not in bases or derived:
                    problems.append(f'{rel}: does not inherit {want.name} (or a derived {derived})')
        if match['fewshot'] and cfg.train_dataloader.dataset.type != 'FewShotDataset':
            problems.append(f'{rel}: few-shot config without FewShotDataset')
        if cfg.model.get('init_cfg'):  # would re-initialise the backbone the wrapper already loaded
            problems.append(f'{rel}: model-level init_cfg {cfg.model.init_cfg}')
        if 'protuning_mm' not in cfg.custom_imports['imports']:
            problems.append(f'{rel}: does not import protuning_mm')
    assert not problems, '\n'.join(problems)


# -- trainable parameters vs the paper ---------------------------------------------------------------
# Table 1 Params† (M, 120-class head; from configs/classification/metafile.yml), ResNet-50: every
# paradigm built.
RESNET50_TABLE1 = {p: paper_params(CLS / f'resnet50/resnet50_{p}_cifar100-lt-ir100.py') for p in PARADIGMS}


@pytest.mark.parametrize('paradigm', PARADIGMS)
def test_resnet50_table1_params(paradigm):
    model = build(f'resnet50/resnet50_{paradigm}_cifar100-lt-ir100.py', 120)
    rel = 0.03 if paradigm == 'protuning' else 0.01  # prompt widths are our design (docs/design.md)
    ours = counts(model)['trainable']
    assert close(ours, RESNET50_TABLE1[paradigm], rel), (paradigm, ours)


# Tables 1/2 Params† (M, 120-class head; from the metafile): head retraining, fine-tuning, Pro-tuning.
TABLE12 = {b: tuple(paper_params(CLS / f'{b}/{b}_{p}_cifar100-lt-ir100.py') for p in ('head', 'full', 'protuning'))
           for b in BACKBONES if b != 'resnet50'}


@pytest.mark.parametrize('backbone', list(TABLE12))
def test_table12_params(backbone):
    hr, ft, pro = TABLE12[backbone]
    model = build(f'{backbone}/{backbone}_protuning_cifar100-lt-ir100.py', 120)
    c = counts(model)
    assert c['trainable'] == c['prompts'] + c['head']  # the backbone is frozen
    assert close(c['head'], hr, 0.01), c
    assert close(c['backbone'] + c['head'], ft, 0.01), c
    assert close(c['trainable'], pro, 0.03), c


def test_table3_table7_params():
    # Table 3, ResNet-50 on CIFAR-10-C (10 classes): head 0.021M, Pro-tuning 3.634M.
    rel = 'resnet50/resnet50_protuning_cifar10-c.py'
    c = counts(build(rel))
    head = paper_params(CLS / rel, table='Table 3', paradigm='head')  # 0.021
    assert close(c['head'], head, 0.01) and close(c['trainable'], paper_params(CLS / rel), 0.03), c  # 3.634
    # Table 7 (100 classes): head 0.20, fine-tuning 23.71, Pro-tuning 3.82, Pro-tuning + fine-tuning 27.33.
    for paradigm, rel_tol in (('head', 0.01), ('full', 0.01), ('protuning', 0.03)):
        rel = f'resnet50/resnet50_{paradigm}_cifar100-lt-ir100.py'
        paper = paper_params(CLS / rel, table='Table 7')
        assert close(counts(build(rel))['trainable'], paper, rel_tol), (paradigm, paper)
    rel = 'ablations/resnet50_protuning+full_cifar100-lt-ir100.py'
    both = counts(build(rel))
    assert both['trainable'] == both['backbone'] + both['prompts'] + both['head']
    assert close(both['trainable'], paper_params(CLS / rel), 0.03), both  # 27.33


@pytest.mark.parametrize('blocks', [2, 3])
def test_table8_blocks_per_stage(blocks):
    rel = f'ablations/resnet50_protuning-{blocks}blocks_cifar100-lt-ir100.py'
    paper = paper_params(CLS / rel)  # 7.43 / 11.05
    model = build(rel)
    assert all(len(seq) == blocks for seq in model.backbone.prompts.values())
    assert close(counts(model)['trainable'], paper, 0.03)


# F5/L5 hold the same five 768-wide blocks as U5 (checked in test_table12_params); one DeiT-B build
# here keeps the runtime down.
@pytest.mark.parametrize('position', ['F1'])
def test_table9_deit_positions(position):
    rel = f'ablations/deit-base_protuning-{position}_cifar100-lt-ir100.py'
    paper = paper_params(CLS / rel)  # 0.69
    model = build(rel)
    n_blocks = sum(len(seq) for seq in model.backbone.prompts.values())
    assert n_blocks == int(position[1]) and len(model.backbone.prompts) == 1
    stage = model.backbone.prompt_stages[0].name
    assert stage == ('layers.0' if position[0] == 'F' else 'layers.11'), stage
    assert close(counts(model)['trainable'], paper, 0.03)


def test_table10_fixed_beta():
    learnable = build('resnet50/resnet50_protuning_cifar100-lt-ir100.py')
    for beta in ('10', '0.25'):
        model = build(f'ablations/resnet50_protuning-beta{beta}-fixed_cifar100-lt-ir100.py')
        blocks = [m for m in model.modules() if isinstance(m, PromptBlock)]
        betas = [p for n, p in model.backbone.prompts.named_parameters() if n.endswith('beta')]
        fixed = [b for m in blocks for n, b in m.named_buffers() if n.endswith('beta')] + betas
        assert fixed and all(float(b.detach().flatten()[0]) == float(beta) for b in fixed)
        assert not any(b.requires_grad for b in betas)
        n_beta = sum(p.numel() for n, p in learnable.backbone.prompts.named_parameters() if n.endswith('beta'))
        assert counts(model)['trainable'] == counts(learnable)['trainable'] - n_beta


def test_table11_kernel_sizes():
    """Table 11 (CIFAR-100): 3.76 / 3.82 / 3.91M for k = 3 / 5 / 7.

    Ours grow with k too, but less (k=7: 3.74M, -4%): our depthwise conv runs at the block's inner
    width C/4, while the paper's increments (+0.09M from k=5 to 7) imply a depthwise conv ~4x wider.
    The k=5 default matches (as in test_table3_table7_params); for k=7 only the ordering and kernel are
    checked (tests/test_metafiles.py holds it as a known difference).
    """
    by_k = {k: build(f'ablations/resnet50_protuning-kernel{k}_cifar100.py') for k in (3, 7)}
    by_k[5] = build('resnet50/resnet50_protuning_cifar100.py')
    for k, model in by_k.items():
        kernels = {m.kernel_size for m in model.backbone.prompts.modules()
                   if isinstance(m, nn.Conv2d) and m.groups > 1}
        assert kernels == {(k, k)}, (k, kernels)
    n = {k: counts(m)['trainable'] for k, m in by_k.items()}
    assert n[3] < n[5] < n[7], n
    assert close(n[3], paper_params(CLS / 'ablations/resnet50_protuning-kernel3_cifar100.py'), 0.03), n
    assert close(n[5], paper_params(CLS / 'resnet50/resnet50_protuning_cifar100.py', table='Table 11'), 0.03), n


# -- the metafile's counts ---------------------------------------------------------------------------
CLS_MODELS = load_metafile('classification', ROOT)['Models']
# Differences from the paper that docs/design.md explains: config -> our count in M.
KNOWN_DIFFERENCES = {
    # Table 11, k=7: our depthwise conv runs at the inner width C/4 (the paper's grows ~4x faster).
    'configs/classification/ablations/resnet50_protuning-kernel7_cifar100.py': 3.74,
    'configs/classification/ablations/resnet50_protuning-kernel7_cifar100-lt-ir100.py': 3.74,
}




def test_metafile_covers_tables_1_2():
    cls = {m['Config'] for m in CLS_MODELS if 'Parameters' in m['Metadata']}
    for backbone in BACKBONES:  # Tables 1-2, CIFAR-100-LT (IR 100): every paradigm has a count
        for paradigm in ('scratch', 'head', 'full', 'protuning'):
            assert f'configs/classification/{backbone}/{backbone}_{paradigm}_cifar100-lt-ir100.py' in cls


def _model_key(rel: str, paradigm: str, num_classes) -> str:
    """What decides a classifier's parameter count: its model config, head width and paradigm set."""
    model = _without_init(copy.deepcopy(load(rel).model.to_dict()))
    if num_classes is not None:
        model['head']['num_classes'] = num_classes
    model['backbone']['paradigm'] = paradigm
    return repr(model)


_COUNTED: Dict[str, Tuple[str, dict]] = {}  # model key -> (config that was built, its counts)


def _counts(rel: str, num_classes) -> dict:
    """Parameter counts of a config's model, built once per distinct model (cached builds)."""
    key = _model_key(rel, load(rel).model.backbone.paradigm, num_classes)
    if key not in _COUNTED:
        model = build(rel, num_classes) if num_classes else build(rel)
        _COUNTED[key] = (rel, counts(model))
    return _COUNTED[key][1]


@pytest.mark.parametrize('entry', [m for m in CLS_MODELS if 'Parameters' in m['Metadata']],
                         ids=lambda m: m['Name'])
def test_classification_parameters(entry):
    rel = entry['Config'][len('configs/classification/'):]
    classes = entry['Metadata'].get('Parameters Head Classes')
    paradigm = load(rel).model.backbone.paradigm
    if paradigm in ('head', 'full', 'scratch'):
        # Counted from the Pro-tuning model of the same backbone, as test_table12_params does: the
        # paradigm only decides what trains (head: the head; full / scratch: backbone + head).
        sibling = rel.replace(f'_{paradigm}_', '_protuning_')
        assert _model_key(sibling, 'protuning', classes) == _model_key(rel, 'protuning', classes)
        c = _counts(sibling, classes)
        ours = c['head'] if paradigm == 'head' else c['backbone'] + c['head']
    else:
        ours = _counts(rel, classes)['trainable']
    paper = paper_params(entry['Config'], root=ROOT)
    if entry['Config'] in KNOWN_DIFFERENCES:
        assert close(ours, KNOWN_DIFFERENCES[entry['Config']], 0.01), ours
        assert not close(ours, paper, 0.03)  # still differs: update docs/design.md if not
        return
    rel_tol = 0.03 if 'protuning' in paradigm else 0.01  # prompt widths are our design
    assert close(ours, paper, rel_tol), f'{rel}: {ours / 1e6:.3f}M vs paper {paper}M'
