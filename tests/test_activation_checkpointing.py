"""Head activation checkpointing (memory mode for dense models): same losses, gradients and BatchNorm
statistics as without it, on the real UperNet and FCN memory-mode configs (random weights, 64x64)."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import MODELS, DefaultScope
from mmengine.runner.activation_checkpointing import turn_on_activation_checkpointing as mmengine_turn_on
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import protuning_mm  # noqa: F401
from protuning_mm.models import turn_on_activation_checkpointing

MEMORY_CONFIGS = {
    'upernet': 'configs/segmentation/upernet/upernet_r50_protuning-memory_80k_ade20k-512x512.py',
    'fcn': 'configs/segmentation/fcn/fcn_r50-d8_protuning-memory_80k_ade20k-512x512.py',
}


def build(config: str):
    cfg = Config.fromfile(config)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('pretrained', None)  # random weights: this checks computation, not accuracy
    model_cfg.data_preprocessor.size = (64, 64)
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = revert_sync_batchnorm(MODELS.build(model_cfg))
    model.init_weights()
    for name, p in model.backbone.prompts.named_parameters():  # prompts away from their zero init
        if 'conv2' in name:
            torch.nn.init.normal_(p, std=0.05)
    return model.train(), cfg


def batch(seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(2):
        s = SegDataSample(metainfo=dict(img_shape=(64, 64), ori_shape=(64, 64), pad_shape=(64, 64)))
        s.gt_sem_seg = PixelData(data=torch.randint(0, 150, (1, 64, 64), generator=g))
        samples.append(s)
    return dict(inputs=[torch.randint(0, 256, (3, 64, 64), dtype=torch.uint8, generator=g) for _ in range(2)],
                data_samples=samples)


def step(model) -> tuple:
    """One forward + backward; the losses, the trained parameters' gradients and all BN statistics."""
    torch.manual_seed(0)  # same dropout masks in both models
    data = model.data_preprocessor(batch(), True)
    losses = model(**data, mode='loss')
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    stats = {n: b.clone() for n, b in model.named_buffers() if 'running' in n or 'num_batches' in n}
    return {k: v.detach() for k, v in losses.items()}, grads, stats


@pytest.mark.parametrize('name', list(MEMORY_CONFIGS))
def test_memory_mode_keeps_losses_gradients_and_statistics(name):
    torch.manual_seed(0)
    plain, cfg = build(MEMORY_CONFIGS[name])
    assert plain.backbone.with_cp  # the memory config checkpoints the frozen backbone too
    plain.backbone.with_cp = False
    memory = copy.deepcopy(plain)
    memory.backbone.with_cp = True
    wrapped = turn_on_activation_checkpointing(memory, cfg.activation_checkpointing)
    assert 'decode_head.forward' in wrapped and 'decode_head.loss_by_feat' in wrapped
    assert len(wrapped) == len(set(wrapped)) >= 7

    def head_norm_calls(model):  # pre-hook count on the decode head's first BatchNorm (training mode)
        norm = next(m for m in model.decode_head.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm))
        calls = []
        norm.register_forward_pre_hook(lambda *_: calls.append(norm.training))
        return calls

    ref_calls, calls = head_norm_calls(plain), head_norm_calls(memory)
    ref_losses, ref_grads, ref_stats = step(plain)
    losses, grads, stats = step(memory)
    # forward, the head region's recomputation, then its conv module's own (nested): all in training mode
    assert ref_calls == [True] and calls == [True] * 3
    assert ref_losses.keys() == losses.keys()
    for k in losses:
        torch.testing.assert_close(losses[k], ref_losses[k], msg=k)
    assert ref_grads.keys() == grads.keys() and any('prompts' in k for k in grads)
    for k in grads:
        torch.testing.assert_close(grads[k], ref_grads[k], rtol=1e-4, atol=1e-6, msg=k)
    # the heads' BatchNorm layers train: their recomputation in backward must not count twice
    for k in stats:
        torch.testing.assert_close(stats[k], ref_stats[k], msg=k)


def test_bn_statistics_restored_after_recomputation():
    """Without the restore, the head's running means would move twice per step."""
    torch.manual_seed(0)
    model, cfg = build(MEMORY_CONFIGS['upernet'])
    bn = model.decode_head.fpn_bottleneck.bn
    before = bn.running_mean.clone()
    calls = []
    bn.register_forward_pre_hook(lambda *_: calls.append(1))
    turn_on_activation_checkpointing(model, ['decode_head.fpn_bottleneck'])
    torch.manual_seed(0)
    data = model.data_preprocessor(batch(), True)
    head_in = [t.detach().requires_grad_() for t in model.extract_feat(data['inputs'])]
    out = model.decode_head(head_in)
    after_forward = model.decode_head.fpn_bottleneck.bn.running_mean.clone()
    assert len(calls) == 1
    out.sum().backward()  # recomputes fpn_bottleneck (BN in train mode) in backward
    assert len(calls) == 2 and bn.training  # the BN really ran again, in training mode
    assert not torch.equal(after_forward, before)
    torch.testing.assert_close(model.decode_head.fpn_bottleneck.bn.running_mean, after_forward, rtol=0, atol=0)


def test_mmengine_reentrant_version_cuts_the_prompt_gradient():
    """Why ProTuningRunner applies the config key itself: mmengine's wrapper sees a list and drops the graph."""
    torch.manual_seed(0)
    model, _ = build(MEMORY_CONFIGS['upernet'])
    model.backbone.with_cp = False
    mmengine_turn_on(model, ['decode_head'])
    losses = model(**model.data_preprocessor(batch(), True), mode='loss')
    # The decode head's loss is cut from the graph (neither the prompts nor the head itself would train);
    # the auxiliary head, not wrapped, shows the graph is there otherwise.
    assert not losses['decode.loss_ce'].requires_grad
    assert losses['aux.loss_ce'].requires_grad


def test_unknown_names_are_errors_that_list_the_modules():
    model, _ = build(MEMORY_CONFIGS['upernet'])
    with pytest.raises(ValueError, match=r"'decode_haed'.*top-level modules are .*'decode_head'"):
        turn_on_activation_checkpointing(model, ['decode_haed'])
    with pytest.raises(ValueError, match='matches no module'):
        turn_on_activation_checkpointing(model, ['decode_head.nothing_*'])


def test_patterns_match_one_component_and_listing_twice_is_harmless():
    model, _ = build(MEMORY_CONFIGS['upernet'])
    wrapped = turn_on_activation_checkpointing(model, ['decode_head.fpn_convs.*', 'decode_head.fpn_convs.0'])
    assert wrapped == [f'decode_head.fpn_convs.{i}.forward' for i in range(3)]
    model.backbone.with_cp = True  # a block the wrapper checkpoints already is not wrapped twice
    assert turn_on_activation_checkpointing(model, ['backbone.backbone.layer2.0']) == []
    model.decode_head.conv_seg.forward = torch.relu  # someone else's patch is not overwritten
    with pytest.raises(ValueError, match='already replaced'):
        turn_on_activation_checkpointing(model, ['decode_head.conv_seg'])
