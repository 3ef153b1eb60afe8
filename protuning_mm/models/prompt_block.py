"""The Pro-tuning prompt block.

Pro-tuning: Unified Prompt Tuning for Vision Tasks (Nie et al., 2022), section 3.1,
https://arxiv.org/abs/2207.14381. A prompt block ``f`` turns a stage's feature map ``x``
into a task-specific prompt that is blended back: ``x + beta * f(x)``.
"""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from mmengine.registry import MODELS

SE_POSITIONS = ('hidden', 'output', 'none')


class SqueezeExcite(nn.Module):
    """Squeeze-and-excitation gate (Hu et al., 2018) on an NCHW map.

    Args:
        channels (int): Channels of the gated map.
        reduction (int): Channel reduction of the bottleneck. Defaults to 16.
    """

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        squeezed = max(1, channels // reduction)
        self.fc1 = nn.Conv2d(channels, squeezed, 1)
        self.act = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(squeezed, channels, 1)

    def excite(self, squeezed: torch.Tensor) -> torch.Tensor:
        """The gate in (0, 1), shaped ``(N, C, 1, 1)``, from the map's per-channel means ``(N, C, 1, 1)``."""
        return torch.sigmoid(self.fc2(self.act(self.fc1(squeezed))))

    def gate(self, x: torch.Tensor) -> torch.Tensor:
        """The per-sample, per-channel gate in (0, 1), shaped ``(N, C, 1, 1)``."""
        return self.excite(x.mean((2, 3), keepdim=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(x)


class _Blend(torch.autograd.Function):
    """``x + y * scale`` for ``scale`` of shape ``(N, C, 1, 1)`` or a scalar, with a leaner backward.

    Autograd's own backward of ``addcmul`` materialises ``grad * y`` (to be summed down to the
    scale's shape) and ``grad * scale`` at the same time: two stage-sized maps, which at the first
    prompt block are the peak of a memory-mode step. Here the scale's gradient is summed one
    sample at a time, so only one map (``grad * scale``) is ever allocated in full (same values).
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, y: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(y if ctx.needs_input_grad[2] else None, scale)
        return torch.addcmul(x, y, scale)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        y, scale = ctx.saved_tensors
        grad_x = grad if ctx.needs_input_grad[0] else None
        grad_scale = None
        if ctx.needs_input_grad[2]:
            spatial = tuple(range(1, grad.dim() - 1))  # per sample: all but N and C
            per_sample = torch.stack([(g * v).sum(spatial) for g, v in zip(grad, y)])  # (N, C)
            grad_scale = per_sample.view(grad.shape[:2] + (1, ) * (grad.dim() - 2)).sum_to_size(scale.shape)
        grad_y = grad * scale if ctx.needs_input_grad[1] else None
        return grad_x, grad_y, grad_scale


@MODELS.register_module()
class PromptBlock(BaseModule):
    """One prompt block: 1x1 conv -> kxk depthwise conv -> 1x1 conv, with an SE gate.

    ``forward(x)`` returns the blended map ``x + beta * f(x)``. The last 1x1 conv starts at zero,
    so a fresh block is the identity and a wrapped frozen model computes exactly what the
    frozen model computes until the first optimizer step.

    Args:
        channels (int): Channels of the feature map the block reads and writes.
        hidden_ratio (float): Width of the two inner convs relative to ``channels``.
            Defaults to 0.25.
        hidden_channels (int, optional): Explicit inner width; overrides ``hidden_ratio``.
            Defaults to None.
        kernel_size (int): Kernel of the depthwise conv (paper Table 11). Defaults to 5.
        se_position (str): Where the SE gate sits: ``'output'`` (on the ``channels``-wide result of
            the last conv), ``'hidden'`` (after the depthwise conv) or ``'none'``.
            Defaults to ``'output'``.
        se_reduction (int): SE channel reduction. Defaults to 16.
        act_cfg (dict): Activation after the first two convs. Defaults to ``dict(type='GELU')``.
        norm_cfg (dict, optional): Norm after the first two convs; None means no norm, which
            measured better on small data (docs/design.md, 'Design choices'). Defaults to None.
        beta_init (float): Initial (or fixed) value of beta. With the last conv zero-initialised,
            the start value does not change what the block computes at step 0, only how fast the
            prompt path learns: every prompt gradient is scaled by beta, and so is the prompt's
            effect. 1.0 learns at the rate of the rest of the model; 0.1 (used before the recipe
            study in docs/prompt_recipe.md) left the prompts nearly untrained. Defaults to 1.0.
        learnable_beta (bool): Train beta (paper default) or keep it constant (Table 10).
            Defaults to True.
        init_cfg (dict, optional): mmengine init config. Defaults to None.

    Examples:
        >>> import torch
        >>> block = PromptBlock(256)
        >>> x = torch.randn(2, 256, 14, 14)
        >>> torch.equal(block(x), x)  # identity at initialisation
        True
    """

    def __init__(self,
                 channels: int,
                 hidden_ratio: float = 0.25,
                 hidden_channels: Optional[int] = None,
                 kernel_size: int = 5,
                 se_position: str = 'output',
                 se_reduction: int = 16,
                 act_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 beta_init: float = 1.0,
                 learnable_beta: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if se_position not in SE_POSITIONS:
            raise ValueError(f'PromptBlock: se_position={se_position!r} is not one of {SE_POSITIONS}.')
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'PromptBlock: kernel_size must be a positive odd number, got {kernel_size}.')
        hidden = hidden_channels or max(1, int(round(channels * hidden_ratio)))
        act_cfg = act_cfg if act_cfg is not None else dict(type='GELU')
        self.channels = channels
        self.hidden_channels = hidden
        self.se_position = se_position

        def norm(c: int) -> nn.Module:
            return build_norm_layer(norm_cfg, c)[1] if norm_cfg else nn.Identity()

        self.conv1 = nn.Conv2d(channels, hidden, 1)
        self.norm1 = norm(hidden)
        self.act1 = build_activation_layer(act_cfg)
        self.dwconv = nn.Conv2d(hidden, hidden, kernel_size, padding=kernel_size // 2, groups=hidden)
        self.norm2 = norm(hidden)
        self.act2 = build_activation_layer(act_cfg)
        self.se_hidden = SqueezeExcite(hidden, se_reduction) if se_position == 'hidden' else nn.Identity()
        self.conv2 = nn.Conv2d(hidden, channels, 1)
        self.se_output = SqueezeExcite(channels, se_reduction) if se_position == 'output' else nn.Identity()
        beta = torch.tensor(float(beta_init))
        if learnable_beta:
            self.beta = nn.Parameter(beta)
        else:
            # A buffer keeps a fixed beta in the state dict without making it trainable.
            self.register_buffer('beta', beta)
        self._zero_last_conv()

    def _zero_last_conv(self) -> None:
        # Zero output conv => f(x) == 0 => the block is the identity at step 0. beta still gets
        # gradient from the first step on, once conv2 has moved away from zero.
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)

    def init_weights(self) -> None:
        """Apply ``init_cfg`` (if any), then restore the zero-initialised output conv."""
        super().init_weights()
        self._zero_last_conv()

    def ungated(self, x: torch.Tensor) -> torch.Tensor:
        """``f(x)`` up to the output SE gate: the three convs (and a hidden SE gate)."""
        y = self.act1(self.norm1(self.conv1(x)))
        y = self.act2(self.norm2(self.dwconv(y)))
        return self.conv2(self.se_hidden(y))

    def prompt(self, x: torch.Tensor) -> torch.Tensor:
        """The prompt ``f(x)`` alone (before scaling by beta)."""
        return self.se_output(self.ungated(x))

    def scale(self, y: torch.Tensor) -> torch.Tensor:
        """What multiplies the ungated prompt ``y``: beta, times the output SE gate where there is one."""
        return self.beta * self.se_output.gate(y) if self.se_position == 'output' else self.beta

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x + beta * f(x)``, i.e. ``x + scale(y) * y`` for the ungated prompt ``y``.

        Args:
            x (torch.Tensor): The ``(N, channels, H, W)`` map.
        """
        y = self.ungated(x)
        scale = self.scale(y)
        if torch.is_grad_enabled() and (x.requires_grad or y.requires_grad or scale.requires_grad):
            return _Blend.apply(x, y, scale)
        return torch.addcmul(x, y, scale)
