from .activation_checkpointing import turn_on_activation_checkpointing
from .prompt_block import PromptBlock
from .protuning_backbone import ProTuningBackbone
from .shared_backbone import SharedBackbone
from .tuning import PARADIGM_NAMES, Paradigm, parse_paradigm

__all__ = [
    'PromptBlock', 'ProTuningBackbone', 'SharedBackbone', 'Paradigm', 'parse_paradigm', 'PARADIGM_NAMES',
    'turn_on_activation_checkpointing'
]
