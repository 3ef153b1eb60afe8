from .prompt_block import PromptBlock
from .protuning_backbone import ProTuningBackbone
from .tuning import PARADIGM_NAMES, Paradigm, parse_paradigm

__all__ = ['PromptBlock', 'ProTuningBackbone', 'Paradigm', 'parse_paradigm', 'PARADIGM_NAMES']
