"""setup.py's torch floor against what the package needs, and the speed-up layer kept apart.

No older torch can be installed here, so this checks statically what can be checked:

* every API of :data:`NEWER_THAN_FLOOR` that the package uses (a table from PyTorch's release notes and
  docs) sits in the speed-up layer's implementation modules, which ``protuning_mm.accel`` imports only on
  its own minimum torch, and that minimum covers each of them; below it the switch is off;
* the reference path (``protuning_mm/models``) and everything but the package's ``__init__`` import nothing
  from ``protuning_mm.accel``.

It cannot prove that the package runs on the floor: an API newer than the floor that is missing from the
table, or a dependency's own needs, go unnoticed.
"""
import ast
import re
from pathlib import Path

import pytest
import torch

from protuning_mm import accel

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / 'protuning_mm'
IMPLEMENTATION = {'frozen_norm.py', 'fused_blend.py', 'recompute.py', 'compiled_op.py'}
# attribute -> the first torch that has it
NEWER_THAN_FLOOR = {
    'custom_op': (2, 4),  # torch.library.custom_op
    'register_fake': (2, 4),
    'get_autocast_dtype': (2, 4),
    'is_exporting': (2, 7),  # torch.compiler.is_exporting (pytorch/pytorch#142425, Dec 2024)
    'is_compiling': (2, 3),  # torch.compiler.is_compiling
    'flexible_layout': (2, 4),  # torch.Tag.flexible_layout
    'tree_leaves': (2, 2),  # torch.utils._pytree.tree_leaves
}


def floor() -> tuple:
    found = re.search(r"'torch>=(\d+)\.(\d+)", (ROOT / 'setup.py').read_text())
    assert found, 'setup.py names no torch floor'
    return int(found[1]), int(found[2])


def used_names(path: Path) -> set:
    tree = ast.parse(path.read_text())
    return ({n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
            | {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names})


def test_apis_newer_than_the_floor_only_in_the_gated_implementation():
    newer = {name: v for name, v in NEWER_THAN_FLOOR.items() if v > floor()}
    needed = {}
    for path in PACKAGE.rglob('*.py'):
        used = used_names(path) & set(newer)
        if path.parent.name == 'accel' and path.name in IMPLEMENTATION:
            needed.update({name: newer[name] for name in used})
        else:
            assert not used, f'{path.relative_to(ROOT)} uses {sorted(used)}, newer than torch {floor()}'
    assert needed and accel.MIN_TORCH >= max(needed.values()), (accel.MIN_TORCH, needed)


def test_accel_imports_its_implementation_only_on_its_minimum():
    tree = ast.parse((PACKAGE / 'accel' / '__init__.py').read_text())
    for node in tree.body:  # at import time: only inside `if torch_supports():`
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            assert not {a.name for a in node.names} & {n[:-3] for n in IMPLEMENTATION}, ast.dump(node)
    gated = [n for n in tree.body if isinstance(n, ast.If) and 'torch_supports' in ast.dump(n.test)]
    assert gated and all(isinstance(n, ast.ImportFrom) for n in gated[0].body)


def test_the_switch_is_off_below_its_minimum(monkeypatch):
    monkeypatch.setattr(torch, '__version__', f'{floor()[0]}.{floor()[1]}.0')
    monkeypatch.setenv(accel.ENV_VAR, '1')
    assert not accel.torch_supports() and not accel.use_accel() and accel.resolve(None) is False
    with pytest.raises(ValueError, match='needs torch'):
        accel.resolve(True)


def test_the_reference_path_imports_nothing_from_the_speed_up_layer():
    for path in PACKAGE.rglob('*.py'):
        if path.parent.name == 'accel' or path == PACKAGE / '__init__.py':
            continue
        tree = ast.parse(path.read_text())
        modules = [n.module or '' for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names]
        assert not any('accel' in m.split('.') for m in modules), path.relative_to(ROOT)


def test_switch_env_var_and_setter(monkeypatch):
    from protuning_mm.models import ProTuningBackbone
    cfg = dict(type='mmpretrain.ResNet', depth=18, out_indices=(3, ))
    monkeypatch.setenv(accel.ENV_VAR, '0')
    assert not accel.use_accel() and not ProTuningBackbone(backbone=dict(cfg)).accel
    assert ProTuningBackbone(backbone=dict(cfg), accel=True).accel  # the argument wins
    accel.set_accel(True)
    try:
        assert accel.use_accel() == accel.torch_supports()
    finally:
        accel.set_accel(None)
    monkeypatch.delenv(accel.ENV_VAR)
    assert accel.use_accel() == accel.torch_supports()  # on by default
