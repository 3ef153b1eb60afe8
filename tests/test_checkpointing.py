"""ProTuningBackbone(with_cp=True): activation checkpointing of the frozen backbone's blocks.

Gradients must equal those without checkpointing, the blocks must really be recomputed in backward
while the prompt and context hooks run once per forward (outside the checkpointed regions), the
activations kept for backward must shrink, and DDP (no ``find_unused_parameters``) must train the
same weights as a single process does.
"""
import copy
import weakref
from collections import Counter

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

from protuning_mm.models import ProTuningBackbone

BACKBONES = {
    'resnet': (dict(type='mmpretrain.ResNet', depth=18, out_indices=(0, 1, 2, 3)), 64),
    'swin': (dict(type='mmpretrain.SwinTransformer', img_size=64, window_size=2, out_indices=(0, 1, 2, 3),
                  arch=dict(embed_dims=16, depths=[2, 2, 2, 2], num_heads=[1, 1, 1, 1])), 64),
    'mmseg-swin': (dict(type='mmseg.SwinTransformer', embed_dims=16, depths=(1, 1, 2, 1), num_heads=(1, 1, 1, 1),
                        window_size=2, out_indices=(0, 1, 2, 3)), 64),
    'vit': (dict(type='mmpretrain.VisionTransformer', img_size=32, patch_size=8, out_type='cls_token',
                 arch=dict(embed_dims=64, num_layers=4, num_heads=2, feedforward_channels=64)), 32),
    # DINOv2's traits (patch 14, layer scale, dense maps) on a small arch, at a size other than img_size.
    'dinov2': (dict(type='mmpretrain.VisionTransformer', img_size=28, patch_size=14, layer_scale_init_value=1e-5,
                    out_type='featmap', out_indices=(1, 3),
                    arch=dict(embed_dims=64, num_layers=4, num_heads=2, feedforward_channels=128)), 56),
    # timm's DINOv2 with 4 register tokens through features_only (its FeatureGetterNet).
    'timm-dinov2-reg4': (dict(type='mmpretrain.TIMMBackbone', model_name='vit_small_patch14_reg4_dinov2',
                              features_only=True, pretrained=False, dynamic_img_size=True, out_indices=(1, 3),
                              img_size=28, depth=4, embed_dim=64, num_heads=2), 56),
}


def flat(outputs):
    if isinstance(outputs, (tuple, list)):
        return [t for o in outputs for t in flat(o)]
    return [outputs]


def build(name, with_cp, paradigm='protuning', **kwargs):
    cfg, size = BACKBONES[name]
    torch.manual_seed(0)
    model = ProTuningBackbone(backbone=copy.deepcopy(cfg), paradigm=paradigm, with_cp=with_cp,
                              prompt_cfg=dict(se_reduction=4), **kwargs)
    with torch.no_grad():  # non-zero last convs, so every prompt changes the features and gets gradients
        for p in model.prompts.parameters():
            if p.dim() > 1:
                p.normal_(std=0.05)
    return model.train(), size


def loss_and_grads(model, x):
    model.zero_grad()
    loss = sum((o.float() ** 2).mean() for o in flat(model(x)))
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def count_calls(modules):
    # Pre-hooks: a recomputation stops early, once the last tensor it needs is rebuilt, so a
    # recomputed module's forward (post-)hooks may never run.
    counts = Counter()
    handles = [m.register_forward_pre_hook(lambda mod, i, k=k: counts.update([k])) for k, m in modules.items()]
    return counts, handles


@pytest.mark.parametrize('name, paradigm', [('resnet', 'protuning'), ('swin', 'protuning'),
                                            ('mmseg-swin', 'protuning'), ('vit', 'protuning'),
                                            ('dinov2', 'protuning'), ('timm-dinov2-reg4', 'protuning'),
                                            ('resnet', 'partial-1'), ('vit', 'full')])
def test_gradients_equal_and_blocks_recomputed(name, paradigm):
    plain, size = build(name, with_cp=False, paradigm=paradigm)
    cp, _ = build(name, with_cp=True, paradigm=paradigm)
    x = torch.randn(2, 3, size, size)
    loss0, grads0 = loss_and_grads(plain, x)

    blocks = cp.adapter.blocks()
    assert all('forward' in vars(b) for b in blocks)  # every block is checkpointed
    inner = next(m for m in blocks[-1].modules() if m is not blocks[-1] and not list(m.children()))
    counts, handles = count_calls({'inner': inner, **{f'prompt{i}': p for i, p in enumerate(cp.prompts.values())}})
    for method in ('unpack', 'record_context'):  # the hooks' work: must happen once per forward
        original = getattr(cp.adapter, method)
        setattr(cp.adapter, method, lambda *a, m=method, f=original: counts.update([m]) or f(*a))
    loss1, grads1 = loss_and_grads(cp, x)
    for h in handles:
        h.remove()

    assert torch.allclose(loss0, loss1)
    assert grads0.keys() == grads1.keys() and grads0
    expected = {n for n, p in plain.named_parameters() if p.requires_grad}
    assert set(grads0) == expected
    for k in grads0:
        assert torch.allclose(grads0[k], grads1[k], rtol=1e-4, atol=1e-6), k
    assert counts['inner'] == 2, counts  # forward + recomputation in backward
    # Prompts too; a ResNet prompt whose output enters a checkpointed block runs a third time:
    # the block stores the prompt's input and recomputes the prompted map (mark_recomputable).
    n = len(cp.prompts)
    expected = [3] * (n - 1) + [2] if name == 'resnet' and n else [2] * n
    assert [counts[f'prompt{i}'] for i in range(len(cp.prompts))] == expected, counts
    assert counts['unpack'] == len(cp.prompt_stages), counts  # but the hooks ran once
    assert counts['record_context'] == len(cp.adapter.context_modules()), counts


@pytest.mark.parametrize('accel', [False, True])
def test_memory_mode_frees_each_stage_map_after_its_backward(accel):
    """The maps the prompts read are freed by the backward, although the graph (and so every grad_fn and
    whatever it references) lives on while the outputs do: a recompute mark that held its stage map kept
    stages 2-4 of ResNet-50 alive through the rest of the backward (+22 MiB at batch 8, the memory-mode peak)."""
    model, size = build('resnet', with_cp=True, accel=accel)
    inputs = []
    handles = [p.register_forward_pre_hook(lambda mod, args: inputs.append(weakref.ref(args[0])) if torch.is_grad_enabled()
                                           else None) for p in model.prompts.values()]
    outs = flat(model(torch.randn(2, 3, size, size)))
    for h in handles:
        h.remove()
    assert len(inputs) == len(model.prompts) and all(r() is not None for r in inputs)
    sum((o ** 2).mean() for o in outs).backward()
    assert all(o.grad_fn is not None for o in outs)  # the graph is still referenced
    # The last stage's map is the output itself (its prompt's input is what the next prompt read, or the output).
    alive = [i for i, r in enumerate(inputs[:-1]) if r() is not None]
    assert not alive, f'stage maps {alive} outlived their backward'


def test_prompts_with_batchnorm_are_recomputed_with_their_statistics_kept():
    """A recomputed BatchNorm would update its running statistics twice per step; they are restored."""
    cfg, size = BACKBONES['resnet']
    torch.manual_seed(0)
    plain = ProTuningBackbone(backbone=copy.deepcopy(cfg), prompt_cfg=dict(norm_cfg=dict(type='BN'))).train()
    model = copy.deepcopy(plain)
    model.with_cp = True
    x = torch.randn(2, 3, size, size)
    counts, handles = count_calls(dict(model.prompts.items()))
    _, grads = loss_and_grads(model, x)
    for h in handles:
        h.remove()
    _, plain_grads = loss_and_grads(plain, x)
    # forward + recomputation in backward (+ the prompted map rebuilt for the next block, stages 1-3)
    assert [counts[k] for k in model.prompts] == [3, 3, 3, 2]
    norms = {n: m for n, m in model.prompts.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)}
    plain_norms = dict(plain.prompts.named_modules())
    assert norms and all(m.num_batches_tracked == 1 for m in norms.values())
    for n, m in norms.items():
        torch.testing.assert_close(m.running_mean, plain_norms[n].running_mean, rtol=0, atol=0)
        torch.testing.assert_close(m.running_var, plain_norms[n].running_var, rtol=0, atol=0)
    for k in plain_grads:
        torch.testing.assert_close(grads[k], plain_grads[k], rtol=1e-4, atol=1e-6)
    assert all('forward' in vars(b) for b in model.adapter.blocks())


def test_prompted_map_is_not_stored_again_by_the_next_block():
    """Memory mode keeps a stage's output once (the prompt's checkpoint input), not also the
    prompted map the next block's checkpoint would store; gradients stay those without it."""
    cfg = dict(BACKBONES['resnet'][0], out_indices=(3, ))  # as in a classifier: one output
    plain, size = build('resnet', with_cp=False)
    torch.manual_seed(0)
    model = ProTuningBackbone(backbone=cfg, with_cp=True, prompt_cfg=dict(se_reduction=4))
    model.load_state_dict(plain.state_dict())
    model.train()
    prompted = {}
    for spec in model.prompt_stages:  # registered after the prompt hooks: sees the prompted map
        model.backbone.get_submodule(spec.name).register_forward_hook(
            lambda m, a, out, k=spec.name: prompted.__setitem__(k, weakref.ref(out)))
    x = torch.randn(2, 3, size, size)
    loss = sum((o ** 2).mean() for o in flat(model(x)))
    alive = {k: r() is not None for k, r in prompted.items()}
    assert alive == {'layer1': False, 'layer2': False, 'layer3': False, 'layer4': True}, alive
    loss.backward()
    plain.backbone.out_indices = (3, )
    _, grads = loss_and_grads(plain, x)
    for n, p in model.named_parameters():
        if p.requires_grad:
            torch.testing.assert_close(p.grad, grads[n], rtol=1e-4, atol=1e-6)


def test_no_checkpointing_without_gradients():
    model, size = build('resnet', with_cp=True)
    inner = model.backbone.layer4[1].conv1
    counts, handles = count_calls({'inner': inner})
    with torch.no_grad():
        model.eval()(torch.randn(1, 3, size, size))
    for h in handles:
        h.remove()
    assert counts['inner'] == 1


def saved_bytes(model, x):
    """Bytes autograd keeps for backward outside checkpointed regions (the activation memory)."""
    total = 0

    def pack(t):
        nonlocal total
        total += t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = sum(o.sum() for o in flat(model(x)))
    loss.backward()
    return total


@pytest.mark.parametrize('name', ['resnet', 'vit', 'dinov2', 'timm-dinov2-reg4'])
def test_checkpointing_halves_saved_activations(name):
    plain, size = build(name, with_cp=False)
    cp, _ = build(name, with_cp=True)
    x = torch.randn(2, 3, size, size)
    assert saved_bytes(cp, x) < 0.5 * saved_bytes(plain, x)


def test_hooks_not_rerun_when_another_wrapper_is_active_during_backward():
    """Multi-task serving: a shared backbone whose active wrapper changes between forward and
    backward must still give the forward's gradients (the prompts are not recomputed)."""
    model, size = build('resnet', with_cp=True)
    other, _ = build('resnet', with_cp=True)
    other.share_backbone(model)
    reference, _ = build('resnet', with_cp=False)
    x = torch.randn(2, 3, size, size)
    _, expected = loss_and_grads(reference, x)
    model.activate()
    model.zero_grad()
    loss = sum((o ** 2).mean() for o in model(x))
    other.activate()
    loss.backward()
    for n, p in model.named_parameters():
        if p.requires_grad:
            assert torch.allclose(p.grad, expected[n], rtol=1e-4, atol=1e-6), n


def test_deepcopy_checkpoints_the_copy():
    model, size = build('vit', with_cp=True)
    clone = copy.deepcopy(model)
    for block in clone.adapter.blocks():
        assert vars(block)['forward'].args[0] is block
    x = torch.randn(2, 3, size, size)
    _, g0 = loss_and_grads(model, x)
    _, g1 = loss_and_grads(clone, x)
    assert all(torch.allclose(g0[k], g1[k]) for k in g0)


class Classifier(nn.Module):

    def __init__(self, name: str, with_cp: bool) -> None:
        super().__init__()
        self.backbone, size = build(name, with_cp)
        self.size = size
        with torch.no_grad():
            width = flat(self.backbone(torch.zeros(1, 3, size, size)))[-1].shape[1]
        torch.manual_seed(1)
        self.head = nn.Linear(width, 4)

    def forward(self, x):
        out = flat(self.backbone(x))[-1]
        return self.head(out.mean((2, 3)) if out.dim() == 4 else out)


def train(model, x, y, steps=3):
    model.train()
    optim = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    for _ in range(steps):
        optim.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optim.step()
    inner = model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
    return {n: p.detach().clone() for n, p in inner.named_parameters() if p.requires_grad}


def batch(size):
    g = torch.Generator().manual_seed(2)
    return torch.randn(8, 3, size, size, generator=g), torch.randint(0, 4, (8, ), generator=g)


def _ddp_worker(rank: int, init_file: str, out_dir: str) -> None:
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=2)
    torch.set_num_threads(1)
    for name in ('resnet', ):
        model = Classifier(name, with_cp=True)
        ddp = nn.parallel.DistributedDataParallel(model, find_unused_parameters=False)
        x, y = batch(model.size)
        half = slice(4 * rank, 4 * rank + 4)  # each rank its own half of the batch
        torch.save(train(ddp, x[half], y[half]), f'{out_dir}/{name}_rank{rank}.pt')
    dist.destroy_process_group()


def test_ddp_with_checkpointing_matches_single_process(tmp_path):
    # fork, not spawn: the children need not re-import the OpenMMLab stack (tens of seconds here).
    mp.start_processes(_ddp_worker, args=(str(tmp_path / 'pg_init'), str(tmp_path)), nprocs=2, join=True,
                       start_method='fork')
    for name in ('resnet', ):
        model = Classifier(name, with_cp=False)
        expected = train(model, *batch(model.size))  # the whole batch, no checkpointing
        ranks = [torch.load(tmp_path / f'{name}_rank{r}.pt') for r in (0, 1)]
        assert ranks[0].keys() == expected.keys()
        for k in expected:
            assert torch.equal(ranks[0][k], ranks[1][k]), (name, k)
            assert torch.allclose(ranks[0][k], expected[k], rtol=1e-4, atol=1e-5), (name, k)
