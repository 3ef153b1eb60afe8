"""The default prompt blocks reproduce the paper's parameter counts (docs/design.md, 'Parameter targets') within 3 %."""
import pytest

from paper_targets import PROMPT_PARAM_TARGETS
from protuning_mm import ProTuningBackbone


@pytest.mark.parametrize('name', list(PROMPT_PARAM_TARGETS))
def test_prompt_params_match_paper(name):
    cfg, target = PROMPT_PARAM_TARGETS[name]
    model = ProTuningBackbone(backbone=dict(cfg))
    ours = sum(p.numel() for p in model.prompts.parameters())
    assert abs(ours - target) / target <= 0.03, f'{name}: {ours / 1e6:.3f}M vs paper {target / 1e6:.3f}M'


def test_blocks_per_stage_and_kernel_scale_like_the_paper():
    # Table 8: 1/2/3 blocks per stage -> ~3.6/7.2/10.8M of blocks; Table 11: k=3 < 5 < 7.
    cfg = PROMPT_PARAM_TARGETS['ResNet-50'].backbone

    def count(**kw):
        return sum(p.numel() for p in ProTuningBackbone(backbone=dict(cfg), **kw).prompts.parameters())

    one = count()
    assert count(blocks_per_position=2) == 2 * one and count(blocks_per_position=3) == 3 * one
    assert count(prompt_cfg=dict(kernel_size=3)) < one < count(prompt_cfg=dict(kernel_size=7))
