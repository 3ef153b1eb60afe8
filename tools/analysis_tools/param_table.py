"""Print the prompt-block parameter counts of the default Pro-tuning design next to the paper's.

Usage:
    python tools/analysis_tools/param_table.py [--prompt-cfg key=value ...]

Builds each paper backbone with random weights (nothing is downloaded) and counts the parameters
of its prompt blocks and beta.
"""
import argparse
import sys
from pathlib import Path

from mmengine.config import DictAction
from mmengine.logging import MMLogger

from protuning_mm import ProTuningBackbone

# The paper's numbers are test data (tests/paper_targets.py), not part of the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tests'))
from paper_targets import PROMPT_PARAM_TARGETS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--prompt-cfg', nargs='+', action=DictAction, default={},
                        help='PromptBlock options to try instead of the defaults')
    args = parser.parse_args()
    # Building models logs every parameter's init at INFO; only the table matters here.
    MMLogger.get_current_instance().setLevel('WARNING')
    print('| backbone | prompt positions | widths | ours | paper | diff |')
    print('| --- | --- | --- | ---: | ---: | ---: |')
    for name, (cfg, target) in PROMPT_PARAM_TARGETS.items():
        model = ProTuningBackbone(backbone=dict(cfg), prompt_cfg=args.prompt_cfg or None)
        ours = sum(p.numel() for p in model.prompts.parameters())
        where = ', '.join(s.name for s in model.prompt_stages)
        widths = ', '.join(str(s.channels) for s in model.prompt_stages)
        print(f'| {name} | {where} | {widths} | {ours / 1e6:.3f}M | {target / 1e6:.3f}M | '
              f'{100 * (ours - target) / target:+.1f}% |')


if __name__ == '__main__':
    main()
