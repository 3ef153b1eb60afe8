"""The default prompt blocks reproduce the paper's parameter counts (docs/design.md, 'Parameter targets') within 3 %.

The paper's counts are the classification metafile's ``Prompt Parameters``; each is built on the inner
backbone of the config that entry names, wrapped with the default prompt design.
"""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from protuning_mm import ProTuningBackbone
from protuning_mm.analysis.metafiles import prompt_params

ROOT = Path(__file__).resolve().parents[1]

TARGETS = prompt_params(ROOT)


def inner_backbone(config: str) -> dict:
    """The backbone a config wraps, without pre-trained weights (counting needs no download)."""
    cfg = Config.fromfile(str(ROOT / config))
    return dict(cfg.model.backbone.backbone.to_dict(), init_cfg=None)


def count(backbone: dict, **kw) -> int:
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # the configs' backbone names are mmpretrain's
        return sum(p.numel() for p in ProTuningBackbone(backbone=dict(backbone), **kw).prompts.parameters())


def test_every_backbone_has_a_target():
    assert set(TARGETS) == {'resnet50', 'resnet101', 'regnetx-32gf', 'deit-small', 'deit-base', 'swin-small',
                            'swin-base'}


@pytest.mark.parametrize('name', list(TARGETS))
def test_prompt_params_match_paper(name):
    config, paper_m = TARGETS[name]
    target = paper_m * 1e6
    ours = count(inner_backbone(config))
    assert abs(ours - target) / target <= 0.03, f'{name}: {ours / 1e6:.3f}M vs paper {target / 1e6:.3f}M'


def test_blocks_per_stage_and_kernel_scale_like_the_paper():
    # Table 8: 1/2/3 blocks per stage -> ~3.6/7.2/10.8M of blocks; Table 11: k=3 < 5 < 7.
    backbone = inner_backbone(TARGETS['resnet50'].config)
    one = count(backbone)
    assert count(backbone, blocks_per_position=2) == 2 * one and count(backbone, blocks_per_position=3) == 3 * one
    assert count(backbone, prompt_cfg=dict(kernel_size=3)) < one < count(backbone, prompt_cfg=dict(kernel_size=7))
