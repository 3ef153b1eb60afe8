"""Print the prompt-block parameter counts of the default Pro-tuning design next to the paper's.

Usage:
    python tools/analysis_tools/param_table.py [--prompt-cfg key=value ...]

For each backbone with the paper's count (``Prompt Parameters`` in configs/classification/metafile.yml),
builds the inner backbone of the config that metafile entry names with random weights (nothing is
downloaded), wraps it in the default prompt design, and counts the parameters of its prompt blocks and beta.
"""
import argparse
from pathlib import Path

from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope

from protuning_mm import ProTuningBackbone
from protuning_mm.analysis.metafiles import prompt_params

ROOT = Path(__file__).resolve().parents[2]  # the checkout this tool is in


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--prompt-cfg', nargs='+', action=DictAction, default={},
                        help='PromptBlock options to try instead of the defaults')
    args = parser.parse_args()
    # Building models logs every parameter's init at INFO; only the table matters here.
    MMLogger.get_current_instance().setLevel('WARNING')
    print('| backbone | prompt positions | widths | ours | paper | diff |')
    print('| --- | --- | --- | ---: | ---: | ---: |')
    for name, (config, paper_m) in prompt_params(ROOT).items():
        inner = Config.fromfile(str(ROOT / config)).model.backbone.backbone.to_dict()
        inner['init_cfg'] = None  # random weights: counting needs no download
        with DefaultScope.overwrite_default_scope('mmpretrain'):  # the configs' backbone names are mmpretrain's
            model = ProTuningBackbone(backbone=inner, prompt_cfg=args.prompt_cfg or None)
        ours = sum(p.numel() for p in model.prompts.parameters())
        target = paper_m * 1e6
        where = ', '.join(s.name for s in model.prompt_stages)
        widths = ', '.join(str(s.channels) for s in model.prompt_stages)
        print(f'| {name} | {where} | {widths} | {ours / 1e6:.3f}M | {target / 1e6:.3f}M | '
              f'{100 * (ours - target) / target:+.1f}% |')


if __name__ == '__main__':
    main()
