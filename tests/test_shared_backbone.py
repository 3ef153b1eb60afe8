"""SharedBackbone: the one object that holds what ProTuningBackbone wrappers change on an inner backbone
(hooks, active wrapper, with_cp checkpointed forwards); nothing is set on the upstream module."""
import copy

import pytest
import torch
import torch.nn as nn

from protuning_mm.models import ProTuningBackbone, SharedBackbone

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
    b.share_backbone(a.backbone)
    inner = a.backbone

    assert b.backbone is inner and b.shared is a.shared and a.shared.module is inner
    assert SharedBackbone.of(inner) is a.shared
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
    b.share_backbone(a.backbone)
    inner = a.backbone
    b.share_backbone(inner)  # again: b's hooks are replaced, not added
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
    with pytest.raises(ValueError, match='already has a SharedBackbone'):
        SharedBackbone(inner)


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
    # What is left set on the inner module: the frozen BatchNorm layers' affine forwards.
    assert {type(m) for m in model.backbone.modules() if 'forward' in vars(m)} == {nn.BatchNorm2d}
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
    b.share_backbone(a.backbone)
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


def test_frozen_norm_forwards_are_installed_and_undone():
    """Frozen BatchNorm layers get the affine forward while a wrapper on the module trains (set by
    train(), so layers that replace others later get it too); eval() and the last wrapper's removal
    undo it."""
    model = build(0)
    norms = [m for m in model.backbone.modules() if isinstance(m, nn.BatchNorm2d)]
    assert norms and not any('forward' in vars(m) for m in norms)  # built and evaluated: none
    model.train()
    assert all('forward' in vars(m) for m in norms)
    model.eval()
    assert not any('forward' in vars(m) for m in norms)
    model.train()
    new = nn.BatchNorm2d(64).requires_grad_(False)
    model.backbone.bn1 = new  # as revert_sync_batchnorm replaces layers
    model.train()
    assert 'forward' in vars(new)
    keys = set(model.state_dict())
    model.shared.remove(model)
    assert not any('forward' in vars(m) for m in model.backbone.modules())
    assert set(model.state_dict()) == keys


def test_frozen_norm_forwards_stay_while_any_sharing_wrapper_trains():
    a, b = build(0), build(1)
    b.share_backbone(a.backbone)
    norms = [m for m in a.backbone.modules() if isinstance(m, nn.BatchNorm2d)]
    a.train()
    b.eval()  # b's mode does not take the forwards from a, which trains
    assert all('forward' in vars(m) for m in norms)
    a.eval()
    assert not any('forward' in vars(m) for m in norms)


def test_an_evaluated_model_compiles_without_guards_on_norm_forwards():
    """In training mode dynamo guards every frozen norm's instance forward (the partial of
    frozen_norm_forward, its function, arguments and keywords); evaluated, the norms have their class's
    forward again and a compiled inference checks none of that before each call."""
    def norm_forward_guards(model: ProTuningBackbone) -> set:
        torch._dynamo.reset()
        with torch.no_grad():
            guards = torch._dynamo.explain(model)(torch.rand(1, 3, SIZE, SIZE)).out_guards
        return {g.name for g in guards if '].forward' in g.name}

    model = build(0).train()
    # each norm's own source path in the guards, e.g. ._modules['layer1']._modules['0']._modules['bn1'].forward
    paths = [''.join(f"._modules['{part}']" for part in name.split('.')) + '.forward'
             for name, m in model.backbone.named_modules() if isinstance(m, nn.BatchNorm2d)]
    trained = norm_forward_guards(model)
    assert paths and all(any(g.endswith(path) for g in trained) for path in paths)
    assert norm_forward_guards(model.eval()) == set()


def test_trained_norms_keep_their_own_forward():
    for paradigm in ('full', 'partial-1'):
        model = build(0, paradigm=paradigm).train()
        trained = [m for m in model.backbone.modules()
                   if isinstance(m, nn.BatchNorm2d) and m.weight.requires_grad]
        assert trained and not any('forward' in vars(m) for m in trained), paradigm


def test_deepcopy_copies_the_state_with_the_module():
    model = build(0, with_cp=True)
    clone = copy.deepcopy(model)
    assert clone.shared is not model.shared
    assert clone.shared.module is clone.backbone and SharedBackbone.of(clone.backbone) is clone.shared
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
