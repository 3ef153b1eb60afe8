"""protuning_mm's packages form layers: a module imports only from lower layers (or its own package).

Read from the source with ``ast`` (every import, also those inside functions), so nothing is imported
here. ``import protuning_mm`` must not reach the tool-side packages (``analysis``, ``testing``).
"""
import ast
from pathlib import Path
from typing import Dict, Set

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / 'protuning_mm'
# Lowest first. ``accel`` (speed-ups) sits on the reference models; the reference path never imports it.
LAYERS = {
    'version': 0, 'utils': 0,
    'adapters': 1, 'datasets': 1, 'evaluation': 1,
    'models': 2,
    'accel': 3,
    'engine': 4,
    'apis': 5,
    'analysis': 6, 'testing': 6,
}
TOOL_SIDE = ('analysis', 'testing')


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def _imports(path: Path) -> Set[str]:
    """The protuning_mm modules ``path`` imports, absolute."""
    name = _name(path)
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split('.')[0] == 'protuning_mm'}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = '.'.join(package.split('.')[:len(package.split('.')) - node.level + 1])
                module = f'{base}.{node.module}' if node.module else base
            else:
                module = node.module or ''
            if module.split('.')[0] == 'protuning_mm':
                # ``from . import datasets`` names a submodule
                found |= {f'{module}.{a.name}' if not node.module else module for a in node.names}
    return found


MODULES: Dict[str, Set[str]] = {_name(p): _imports(p) for p in sorted(PACKAGE.rglob('*.py'))}


def _layer(module: str) -> str:
    parts = module.split('.')
    return parts[1] if len(parts) > 1 else ''


def test_every_package_has_a_layer():
    assert {_layer(m) for m in MODULES} - {''} <= set(LAYERS), 'add the new package to LAYERS'


@pytest.mark.parametrize('module', [m for m in MODULES if _layer(m) in LAYERS])
def test_imports_go_down_the_layers(module):
    own = _layer(module)
    upward = sorted(i for i in MODULES[module]
                    if _layer(i) != own and (_layer(i) not in LAYERS or LAYERS[_layer(i)] >= LAYERS[own]))
    assert not upward, f'{module} ({own}, layer {LAYERS[own]}) imports {upward}'


def test_import_protuning_mm_does_not_reach_the_tool_side():
    seen, todo = set(), ['protuning_mm']
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        # ``from .utils import checkpoint_io`` names a module or an attribute: follow it where it is a module
        todo += [i if i in MODULES else i.rpartition('.')[0] for i in MODULES.get(module, ())]
    assert not [m for m in seen if _layer(m) in TOOL_SIDE]
