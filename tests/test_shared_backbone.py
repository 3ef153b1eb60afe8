"""SharedBackbone: the one object that holds what ProTuningBackbone wrappers change on an inner backbone
(hooks, active wrapper, with_cp checkpointed forwards); nothing is set on the upstream module."""
import copy

import pytest
import torch
import torch.nn as nn

from protuning_mm.accel.frozen_norm import FrozenBatchNorm
from protuning_mm.models import ProTuningBackbone

RESNET = dict(type='mmpretrain.ResNet', depth=18, out_indices=(0, 1, 2, 3))
SIZE = 64


def build(seed: int, **kwargs) -> ProTuningBackbone:
    """The same inner backbone weights every time; prompts drawn from ``seed``."""
    torch.manual_seed(0)
    model = ProTuningBackbone(backbone=copy.deepcopy(RESNET), **kwargs)
    torch.manual_seed(seed)
    with torch.no_grad():  # non-zero last convs, so each wrapper's prompts change the features
        for p in model.prompts.parameters():
            if p.dim() > 1:
                p.normal_(std=0.05)
    return model.eval()


def hook_counts(module: nn.Module) -> dict:
    return {name: len(m._forward_hooks) for name, m in module.named_modules() if m._forward_hooks}


def run(model: ProTuningBackbone, x: torch.Tensor) -> list:
    with torch.no_grad():
        return list(model(x))


def test_wrappers_sharing_a_backbone_share_one_state_and_switch_by_pointer():
    a, b = build(0), build(1)
    x = torch.rand(1, 3, SIZE, SIZE)
    alone = {'a': run(a, x), 'b': run(b, x)}
    assert not torch.equal(alone['a'][-1], alone['b'][-1])
    dropped = b.backbone
    b.share_backbone(a)
    inner = a.backbone

    assert b.backbone is inner and b.shared is a.shared and a.shared.module is inner
    assert a.shared.owners == [a, b]
    # Hooks once per wrapper on the shared module, none left on b's dropped inner copy.
    assert hook_counts(inner) == {f'layer{i}': 2 for i in range(1, 5)}
    assert hook_counts(dropped) == {}
    # Nothing of ours on the upstream modules.
    for module in (inner, dropped):
        assert not any(k.startswith('_protuning') for m in module.modules() for k in vars(m))

    assert a.shared.active is b  # share_backbone activates the wrapper
    for name, wrapper in [('a', a), ('b', b), ('a', a)]:
        wrapper.activate()
        assert a.shared.active is wrapper
        for got, expected in zip(run(wrapper, x), alone[name]):
            assert torch.equal(got, expected), name


def test_replacing_and_removing_hooks_leaves_no_stale_hook():
    a, b = build(0), build(1)
    b.share_backbone(a)
    inner = a.backbone
    b.share_backbone(a.shared)  # again (by the state): b's hooks are replaced, not added
    a._attach_hooks()
    assert hook_counts(inner) == {f'layer{i}': 2 for i in range(1, 5)}

    a.shared.remove(b)
    assert hook_counts(inner) == {f'layer{i}': 1 for i in range(1, 5)}
    assert a.shared.owners == [a] and a.shared.active is None  # b was active
    with pytest.raises(ValueError, match='hooks on this backbone'):
        b.activate()
    a.activate()
    a.shared.remove(a)
    assert hook_counts(inner) == {}


def test_with_cp_is_installed_and_removable():
    x = torch.rand(2, 3, SIZE, SIZE)
    plain, model = build(0), build(0, with_cp=True).train()
    blocks = model.adapter.blocks()
    assert model.shared.checkpointed_blocks == blocks
    assert all('forward' in vars(b) for b in blocks)
    model(x)[-1].sum().backward()  # checkpointed blocks run, and the gradient reaches every prompt
    assert all(p.grad is not None for n, p in model.prompts.named_parameters() if 'conv2' in n)

    model.with_cp = False
    assert not model.with_cp and model.shared.checkpointed_blocks == []
    assert not any('forward' in vars(m) for m in model.backbone.modules())  # nothing left set on the inner module
    model.eval()
    got_all, expected_all = run(model, x), run(plain, x)
    assert len(got_all) == len(expected_all) > 0
    for got, expected in zip(got_all, expected_all):
        assert torch.equal(got, expected)

    model.with_cp = True
    assert model.shared.checkpointed_blocks == blocks


def test_checkpointing_follows_every_wrapper_and_every_hook():
    a = build(0, with_cp=True)
    b = build(1)  # no with_cp of its own
    b.share_backbone(a)
    shared, blocks = a.shared, a.adapter.blocks()
    assert shared.checkpointed_blocks == blocks  # a still asks for it
    b.with_cp = True
    a.with_cp = False
    assert shared.checkpointed_blocks == blocks  # b asks now
    # A hook inside a checkpointed block would be re-run by the recomputation: that block is left alone.
    owner = object()
    shared.set_hooks(owner, [('layer2.0.conv1', lambda module, args, output: None)])
    assert a.backbone.layer2[0] not in shared.checkpointed_blocks
    assert 'forward' not in vars(a.backbone.layer2[0])
    assert len(shared.checkpointed_blocks) == len(blocks) - 1
    shared.remove(owner)
    assert shared.checkpointed_blocks == blocks
    b.with_cp = False
    assert shared.checkpointed_blocks == []
    assert not any('forward' in vars(m) for m in blocks)


def test_frozen_norms_are_swapped_modules_not_patched_forwards():
    """With the speed-up layer the frozen BatchNorm layers are FrozenBatchNorm modules from construction on, in
    every mode and with any wrapper sharing the backbone: no instance forward is set on them, the state dict is
    the reference path's, and trained layers (full, partial-k) stay what they are."""
    model, reference = build(0, accel=True), build(0, accel=False)
    norms = [m for m in model.backbone.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert norms and all(type(m) is FrozenBatchNorm for m in norms)
    assert not any(isinstance(m, FrozenBatchNorm) for m in reference.modules())
    for mode in (True, False):
        model.train(mode)
        assert not any('forward' in vars(m) for m in model.modules())
        assert all(not m.training for m in norms)
    assert list(model.state_dict()) == list(reference.state_dict())
    b = build(1, accel=False)
    b.share_backbone(model)
    model.shared.remove(model)
    assert not any(type(m) is nn.BatchNorm2d for m in b.backbone.modules())  # b runs on the swapped layers
    for paradigm in ('full', 'partial-1'):
        trained = build(0, paradigm=paradigm, accel=True).train()
        kept = [m for m in trained.backbone.modules() if isinstance(m, nn.BatchNorm2d) and m.weight.requires_grad]
        assert kept and all(type(m) is nn.BatchNorm2d for m in kept), paradigm


@pytest.mark.parametrize('mode', ['train', 'eval'])
def test_a_compiled_model_checks_no_guards_on_norm_forwards(mode):
    """No instance forward anywhere, so dynamo guards none (patched forwards cost ~13 guards per layer)."""
    model = build(0, accel=True).train(mode == 'train')
    torch._dynamo.reset()
    with torch.no_grad():
        guards = torch._dynamo.explain(model)(torch.rand(1, 3, SIZE, SIZE)).out_guards
    assert not {g.name for g in guards if '].forward' in g.name}


def test_deepcopy_copies_the_state_with_the_module():
    model = build(0, with_cp=True)
    clone = copy.deepcopy(model)
    assert clone.shared is not model.shared
    assert clone.shared.module is clone.backbone
    assert clone.shared.owners == [clone] and clone.shared.active is clone
    assert clone.shared.checkpointed_blocks == clone.adapter.blocks()
    assert hook_counts(clone.backbone) == hook_counts(model.backbone)
    clone.with_cp = False  # the copy's checkpointing is its own
    assert model.shared.checkpointed_blocks == model.adapter.blocks()


def test_state_dict_keys_unchanged():
    model = build(0, with_cp=True)
    keys = list(model.state_dict())
    assert all(k.startswith(('backbone.', 'prompts.')) for k in keys)
    assert set(keys) == {f'backbone.{k}' for k in model.backbone.state_dict()} | \
        {f'prompts.{k}' for k in model.prompts.state_dict()}
