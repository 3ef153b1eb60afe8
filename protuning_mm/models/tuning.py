"""Tuning paradigms: what trains in a wrapped backbone (docs/design.md, 'Paradigms'; paper section 4.1).

Each paradigm is one row of a table; the wrapper applies it structurally (by module).
The task head (classifier, or neck + heads for dense tasks) lives outside the backbone and always
trains.
"""
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Paradigm:
    """How a paradigm treats the backbone.

    Attributes:
        name (str): The paradigm's name as written in configs.
        pretrained (bool): Load the backbone's pre-trained weights (its ``init_cfg``).
        prompts (bool): Attach prompt blocks.
        backbone (str): What of the backbone trains: ``'none'``, ``'all'`` or ``'last-k'``.
        k (int): Number of trailing backbone blocks that train for ``'last-k'``.
    """
    name: str
    pretrained: bool
    prompts: bool
    backbone: str
    k: int = 0

    @property
    def freezes_backbone(self) -> bool:
        """Whether some of the backbone is frozen (and so kept in eval mode)."""
        return self.backbone != 'all'


# name -> (pretrained, prompts, backbone); 'partial-k' is parsed below.
PARADIGMS = {
    'scratch': (False, False, 'all'),
    'head': (True, False, 'none'),
    'full': (True, False, 'all'),
    'protuning': (True, True, 'none'),
    'protuning+full': (True, True, 'all'),
}
PARADIGM_NAMES = (*PARADIGMS, 'partial-k')


def parse_paradigm(name: str) -> Paradigm:
    """Turn a paradigm name from a config into a :class:`Paradigm`.

    Args:
        name (str): One of ``scratch``, ``head``, ``partial-<k>`` (k >= 1), ``full``,
            ``protuning``, ``protuning+full``.

    Returns:
        Paradigm: The parsed paradigm.

    Raises:
        ValueError: For an unknown name, naming the valid ones.
    """
    if name in PARADIGMS:
        return Paradigm(name, *PARADIGMS[name])
    match = re.fullmatch(r'partial-(\d+)', str(name))
    if match and int(match.group(1)) >= 1:
        return Paradigm(name, True, False, 'last-k', int(match.group(1)))
    raise ValueError(f'Unknown tuning paradigm {name!r}. Choose one of: '
                     f'{", ".join(PARADIGM_NAMES)} (partial-k with k >= 1, e.g. partial-2).')
