"""A stage's prompt blocks at CPU inference, written into the stage output with fused oneDNN convolutions.

Without autograd, a block's cost on CPU is memory traffic on stage-wide maps more than arithmetic. Here its
first two convolutions carry their activations as oneDNN post-ops; the SE squeeze is pooled from the narrower
hidden map (``mean(conv2(h)) == conv2(mean(h))``, conv2 being affine); ``beta`` and the gate are folded into
the last convolution's weight per sample, whose result oneDNN adds into the stage output. No stage-wide map is
allocated. The per-sample weights cost ``C * hidden`` multiplies per sample against ``C * H * W`` outputs, so
only blocks with ``hidden < H * W`` are fused. The oneDNN operators are checked once against ``F.conv2d``.
:func:`owns_for_in_place` is the one place that reads torch's hook dictionaries and storages.
"""
import functools
from typing import Any, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..models.prompt_block import PromptBlock

# (post-op, algorithm) per activation type: the block's activations after its first two convs.
_POST_OPS = {nn.GELU: ('gelu', 'none'), nn.ReLU: ('relu', None)}


@torch.compiler.assume_constant_result  # under torch.compile: called, not traced; its answer is a constant
def fused_ops_available() -> bool:
    """Whether this PyTorch's oneDNN fused convolutions exist and compute what ``F.conv2d`` does (checked once)."""
    return _check_fused_ops()


@functools.lru_cache(maxsize=None)
def _check_fused_ops() -> bool:
    if not (torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled):
        return False
    try:
        ops = torch.ops.mkldnn
        g = torch.Generator().manual_seed(0)
        x = torch.randn(2, 4, 5, 5, generator=g)
        w, b = torch.randn(3, 4, 1, 1, generator=g), torch.randn(3, generator=g)
        gelu = ops._convolution_pointwise(x, w, b, [0, 0], [1, 1], [1, 1], 1, 'gelu', [], 'none')
        out = torch.randn(1, 3, 5, 5, generator=g)
        expected = out + F.conv2d(x[:1], w, b)
        ops._convolution_pointwise_.binary(out, x[:1], w, b, [0, 0], [1, 1], [1, 1], 1, 'add', 1.0, None, [], None)
    except (AttributeError, RuntimeError):  # op missing, or its schema changed
        return False
    return (torch.allclose(gelu, F.gelu(F.conv2d(x, w, b)), atol=1e-5)
            and torch.allclose(out, expected, atol=1e-5))


def _unobserved(module: nn.Module) -> bool:
    """No forward (pre-)hook: nobody sees an input it overwrites, calling its children one by one skips nothing."""
    return not (module._forward_hooks or module._forward_pre_hooks)


def _post_op(act: nn.Module) -> Optional[Tuple[str, Optional[str]]]:
    if type(act) is nn.GELU and act.approximate != 'none':
        return None  # only the exact (erf) GELU is mapped to oneDNN's post-op
    return _POST_OPS.get(type(act))


def applies(block: nn.Module, x: torch.Tensor) -> bool:
    """Whether :func:`blend_into_` computes ``block`` on ``x`` (module doc). Never while ``torch.export`` or
    ``torch.jit.trace`` trace: their graphs (AOTInductor, ONNX, FLOP counters) keep the portable operators."""
    return (type(block) is PromptBlock and not torch.is_grad_enabled()
            and not torch.compiler.is_exporting() and not torch.jit.is_tracing()
            and x.device.type == 'cpu' and x.dtype == torch.float32 and not torch.is_autocast_enabled('cpu')
            and x.dim() == 4 and block.hidden_channels < x.shape[2] * x.shape[3]
            and (x.is_contiguous() or x.is_contiguous(memory_format=torch.channels_last))
            and block.se_position in ('output', 'none')
            and isinstance(block.norm1, nn.Identity) and isinstance(block.norm2, nn.Identity)
            and _post_op(block.act1) is not None and _post_op(block.act2) is not None
            and _unobserved(block) and fused_ops_available())


def scaled_conv_add_(x: torch.Tensor, h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
                     scale: torch.Tensor) -> None:
    """``x[i] += conv(h[i], scale[i] * weight) + scale[i] * bias`` for each sample ``i`` (x: ``(N, C, H, W)``,
    h: ``(N, K, H, W)``, weight: ``(C, K, 1, 1)``, bias: ``(C, )``, scale: ``(N, C)``), in place."""
    one, zero = [1, 1], [0, 0]
    for i, s in enumerate(scale):
        torch.ops.mkldnn._convolution_pointwise_.binary(x[i:i + 1], h[i:i + 1], weight * s.view(-1, 1, 1, 1),
                                                        bias * s, zero, one, one, 1, 'add', 1.0, None, [], None)


def blend_into_(block: PromptBlock, x: torch.Tensor) -> torch.Tensor:
    """Write ``block(x)`` into ``x`` and return ``x``; only where :func:`applies`, and the caller owns ``x``."""
    if torch.compiler.is_compiling():
        # inductor fuses each activation into its convolution itself (with freezing)
        h = block.act2(block.dwconv(block.act1(block.conv1(x))))
    else:
        ops = torch.ops.mkldnn
        one, zero = [1, 1], [0, 0]
        pad = list(block.dwconv.padding)
        (act1, alg1), (act2, alg2) = _post_op(block.act1), _post_op(block.act2)
        h = ops._convolution_pointwise(x, block.conv1.weight, block.conv1.bias, zero, one, one, 1, act1, [], alg1)
        h = ops._convolution_pointwise(h, block.dwconv.weight, block.dwconv.bias, pad, one, one,
                                       block.dwconv.groups, act2, [], alg2)
    weight, bias = block.conv2.weight, block.conv2.bias
    if block.se_position == 'output':
        squeezed = F.conv2d(h.mean((2, 3), keepdim=True), weight, bias)  # == conv2(h).mean((2, 3))
        scale = block.se_output.excite(squeezed).flatten(1).mul_(block.beta)
    else:
        scale = block.beta.expand(x.shape[0], weight.shape[0])
    if torch.compiler.is_compiling():
        torch.ops.protuning.scaled_conv_add_(x, h, weight, bias, scale)
    else:
        scaled_conv_add_(x, h, weight, bias, scale)
    return x


def prompt_in_place(prompt: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """Run a stage's blocks on ``x``, each fused into ``x`` where it :func:`applies`; ``x`` must be owned."""
    for block in prompt:
        x = blend_into_(block, x) if applies(block, x) else block(x)
    return x


def owns_for_in_place(wrapper: nn.Module, stage: nn.Module, prompt: nn.Module, fmap: torch.Tensor,
                      output: Any, args: tuple) -> bool:
    """Whether ``wrapper``'s prompts may write into ``fmap``: without autograd, the stage's own fresh output
    (no view, not its input's memory) that no other hook saw first (other wrappers' prompt hooks only pass
    it through), with nothing bypassed by running the blocks one by one (hooks or ``compile()`` on them)."""
    if torch.is_grad_enabled() or fmap is not output or not isinstance(output, torch.Tensor):
        return False
    if not _unobserved(prompt) or getattr(prompt, '_compiled_call_impl', None):
        return False
    if torch.nn.modules.module._global_forward_hooks:
        return False
    for hook in stage._forward_hooks.values():  # in the order they run
        owner = type(wrapper).prompt_hook_owner(hook)
        if owner is None:
            return False  # a hook that is not a prompt hook ran first and may hold the tensor
        if owner is wrapper:  # other wrappers' prompt hooks (multi-task serving) pass it through
            break
    if torch.compiler.is_compiling():
        # Dynamo cannot trace storage pointers: a fresh output is no view and is none of the inputs (the
        # traced program then writes into it as the eager one does, and inductor reuses its buffer).
        return output._base is None and not any(a is output for a in args)
    ptr = output.untyped_storage().data_ptr()
    return not any(isinstance(a, torch.Tensor) and a.untyped_storage().data_ptr() == ptr for a in args)
