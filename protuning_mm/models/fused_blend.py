"""The prompt block's inference on CPU as fused oneDNN convolutions that write into the stage output.

At large batches a prompt block's cost on CPU is memory traffic more than arithmetic: at
ResNet-50's first stage and batch 32, its eager forward writes two hidden maps, applies two GELUs
in extra passes, writes a stage-wide prompt map into freshly mapped pages, reads it again for the
SE squeeze and once more for the blend. Here, without autograd:

* each of the first two convolutions carries its GELU as a oneDNN post-op;
* the SE squeeze is pooled from the (4x narrower) hidden map: the last convolution is affine, so
  ``mean(conv2(h)) == conv2.weight @ mean(h) + conv2.bias``;
* ``beta`` and the gate (one scale per sample and channel) are folded into the last convolution's
  weight, one sample at a time, and the convolution *adds* its result into the stage output with a
  oneDNN binary post-op: ``x[i] += conv(h[i], s[i] * W) + s[i] * b``. No stage-wide map is allocated.

What this saves is memory traffic on stage-wide maps, against a few per-sample overheads (scaled
weight copies, one convolution call per sample). So it applies where the stage map is 8 MiB or larger
and where ``hidden < H * W`` (per-sample weights cost ``C * hidden`` multiplies per sample against
``C * H * W`` outputs). Measured on a whole ResNet-50 (2-core CPU): with 3-6 MiB maps (stage 1 at
batch 1-2) the eager forward was as fast or 1-3 % faster; from batch 4 on (13 MiB and up) this was
faster, by 0.05-0.07 on the latency ratio to the plain backbone at batch 32. At 224x224 that is
stage 1 from batch 3 on and stage 2 from batch 6; at 1333x800 (detection) both from batch 1.
benchmarks/training_cost.py measures it (docs/benchmarks.md).

The operators are the ones PyTorch registers for its own compiler
(``torch.ops.mkldnn._convolution_pointwise``); they are checked once against ``F.conv2d`` and,
where missing or different, the block keeps its eager forward.

The last step, the per-sample scaled convolutions added into the map, is a custom operator
(``torch.ops.protuning.scaled_conv_add_``) that declares its write into ``x``, so that ``torch.compile``
runs it too: inductor calls it on the stage map itself (no copy, no fresh map; it fuses the rest of the
block on its own). Measured on ResNet-50 compiled with freezing at batch 32 (2-core CPU, glibc's malloc):
1.12 (1.11-1.14) times the compiled plain model instead of 1.18 with the blend in the graph, whose fresh
stage-wide outputs were faulted in on every pass. ``torch.export`` (AOTInductor) keeps the
portable operators: a Python operator cannot run in its C++ runtime.
"""
import functools
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

# Stage maps from this size on are blended in place (see above: measured, not derived).
MIN_MAP_BYTES = 8 * 2**20
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
        ops._convolution_pointwise_.binary(out, x[:1], w, b, [0, 0], [1, 1], [1, 1], 1, 'add', 1.0, None, [],
                                           None)
    except (AttributeError, RuntimeError):  # op missing, or its schema changed
        return False
    return (torch.allclose(gelu, F.gelu(F.conv2d(x, w, b)), atol=1e-5)
            and torch.allclose(out, expected, atol=1e-5))


def unobserved(module: nn.Module) -> bool:
    """Whether no forward (pre-)hook is on ``module``: nobody would see an input it overwrites, and
    calling its children one by one skips nothing."""
    return not (module._forward_hooks or module._forward_pre_hooks)


def _post_op(act: nn.Module) -> Optional[Tuple[str, Optional[str]]]:
    if type(act) is nn.GELU and act.approximate != 'none':
        return None  # only the exact (erf) GELU is mapped to oneDNN's post-op
    return _POST_OPS.get(type(act))


def applies(block: nn.Module, x: torch.Tensor) -> bool:
    """Whether :func:`blend_into_` can compute ``block`` on ``x`` (no autograd; see module doc).

    Also while ``torch.compile`` traces, but never under ``torch.export`` or ``torch.jit.trace``: an
    exported or traced graph (AOTInductor, ONNX export, mmengine's FLOP counter) must hold the block's
    portable operators.
    """
    return (not torch.is_grad_enabled() and not torch.compiler.is_exporting() and not torch.jit.is_tracing()
            and x.device.type == 'cpu' and x.dtype == torch.float32
            and x.dim() == 4 and block.hidden_channels < x.shape[2] * x.shape[3]
            and x.numel() * x.element_size() >= MIN_MAP_BYTES
            and (x.is_contiguous() or x.is_contiguous(memory_format=torch.channels_last))
            and not torch.is_autocast_enabled('cpu')
            and block.se_position in ('output', 'none')
            and isinstance(block.norm1, nn.Identity) and isinstance(block.norm2, nn.Identity)
            and _post_op(block.act1) is not None and _post_op(block.act2) is not None
            and fused_ops_available())


@torch.library.custom_op('protuning::scaled_conv_add_', mutates_args=('x', ),
                         tags=(torch.Tag.flexible_layout, ))  # inductor passes its channels-last maps as they are
def scaled_conv_add_(x: torch.Tensor, h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
                     scale: torch.Tensor) -> None:
    """``x[i] += conv(h[i], scale[i] * weight) + scale[i] * bias`` for each sample ``i``, in place.

    Args:
        x (torch.Tensor): The ``(N, C, H, W)`` map written into.
        h (torch.Tensor): The ``(N, K, H, W)`` input of the 1x1 convolution.
        weight (torch.Tensor): Its ``(C, K, 1, 1)`` weight.
        bias (torch.Tensor): Its ``(C, )`` bias.
        scale (torch.Tensor): ``(N, C)``: per sample and output channel.
    """
    one, zero = [1, 1], [0, 0]
    for i, s in enumerate(scale):
        torch.ops.mkldnn._convolution_pointwise_.binary(x[i:i + 1], h[i:i + 1], weight * s.view(-1, 1, 1, 1),
                                                        bias * s, zero, one, one, 1, 'add', 1.0, None, [], None)


@scaled_conv_add_.register_fake
def _(x: torch.Tensor, h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, scale: torch.Tensor) -> None:
    return None


def blend_into_(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Write ``x + beta * f(x)`` of a :class:`PromptBlock` into ``x`` and return ``x``.

    Only where :func:`applies` says so; the caller must own ``x`` (nothing else reads it later).
    """
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
        squeezed = F.linear(h.mean((2, 3)), weight.flatten(1), bias)  # == conv2(h).mean((2, 3))
        scale = block.se_output.excite(squeezed).mul_(block.beta)
    else:
        scale = block.beta.expand(x.shape[0], weight.shape[0])
    scaled_conv_add_(x, h, weight, bias, scale)
    return x
