"""The paper's prompt-block parameter counts (docs/design.md, 'Parameter targets') and the backbones they belong to.

Prompt blocks alone = the paper's trainable total minus the linear head (Tables 1-4, 9). Used by
``tools/analysis_tools/param_table.py`` and the tests as regression targets (test data, so it
lives in tests/, not in the installed package).
"""
from typing import Dict, NamedTuple

RESNET50_IN1K = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth'

# RegNetX-32GF is not among mmpretrain's presets; its arch dict (Radosavovic et al., 2020).
REGNETX_32GF = dict(w0=320, wa=69.86, wm=2.0, group_w=168, depth=23, bot_mul=1.0)


class PromptTarget(NamedTuple):
    backbone: dict  # inner backbone config (random init: no pretrained weights needed to count)
    prompt_params: float  # paper's prompt-block parameters


PROMPT_PARAM_TARGETS: Dict[str, PromptTarget] = {
    'ResNet-50': PromptTarget(dict(type='mmpretrain.ResNet', depth=50), 3.61e6),
    'ResNet-101': PromptTarget(dict(type='mmpretrain.ResNet', depth=101), 3.61e6),
    'RegNetX-32GF': PromptTarget(dict(type='mmpretrain.RegNet', arch=REGNETX_32GF), 5.61e6),
    'DeiT-S': PromptTarget(dict(type='mmpretrain.VisionTransformer', arch='deit-small'), 0.769e6),
    'DeiT-B': PromptTarget(dict(type='mmpretrain.VisionTransformer', arch='deit-base'), 3.08e6),
    'Swin-S': PromptTarget(dict(type='mmpretrain.SwinTransformer', arch='small'), 1.450e6),
    'Swin-B': PromptTarget(dict(type='mmpretrain.SwinTransformer', arch='base'), 2.55e6),
}
