"""ProTuningRunner: mmengine's Runner plus the config keys Pro-tuning adds.

Selected by ``runner_type = 'ProTuningRunner'`` (``configs/_base_/protuning_runtime.py``), which
mmengine-based ``tools/train.py`` scripts (ours, mmpretrain's, mmdet's, mmseg's) honour.
"""
import torch
from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from ..models.activation_checkpointing import turn_on_activation_checkpointing
from .delta_checkpoint import check_delta_checkpoint_cfg
from .prompt_lr import with_prompt_lr_mult


@RUNNERS.register_module()
class ProTuningRunner(Runner):
    """mmengine's :class:`~mmengine.runner.Runner` with four Pro-tuning config keys.

    * ``prompt_lr_mult`` (a number, or ``{optimizer type: number, 'default': number}``): the prompt
      parameters' learning-rate multiplier (:mod:`protuning_mm.engine.prompt_lr`).
    * ``activation_checkpointing`` (list of module paths, patterns or methods): mmengine's key,
      applied with non-reentrant checkpointing that keeps gradients through list inputs and
      BatchNorm statistics (:mod:`protuning_mm.models.activation_checkpointing`); mmengine's own
      reentrant version would cut the prompts' gradient at a decode head.
    * ``channels_last=True``: the model's 4-D weights (and so its convolutions' outputs) in
      channels-last memory format, before DDP wrapping. oneDNN on CPUs (and cuDNN on tensor-core
      GPUs) run convolutions faster on it; on CPU it also shifts the balance toward Pro-tuning
      (measurements in docs/benchmarks.md).
      Models whose code reshapes conv outputs with ``view`` may not accept it.
    * ``delta_checkpoint=True`` without its hook is an error when the runner is built.

    Everything else is the plain runner.
    """

    @classmethod
    def from_cfg(cls, cfg) -> 'ProTuningRunner':
        """Build the runner; ``delta_checkpoint=True`` without its hook is an error first."""
        check_delta_checkpoint_cfg(cfg)
        return super().from_cfg(cfg)

    def build_model(self, model):
        model = super().build_model(model)
        if self.cfg.get('channels_last', False):
            model = model.to(memory_format=torch.channels_last)
        return model

    def build_optim_wrapper(self, optim_wrapper):
        if isinstance(optim_wrapper, dict) and 'prompt_lr_mult' in self.cfg:
            optim_wrapper = with_prompt_lr_mult(optim_wrapper, self.model, self.cfg.get('prompt_lr_mult'))
        return super().build_optim_wrapper(optim_wrapper)

    def train(self):
        # Taken from the config before Runner.train() reads it, so mmengine's reentrant version never runs.
        names = self.cfg.pop('activation_checkpointing', None)
        if names:
            model = self.model.module if is_model_wrapper(self.model) else self.model
            wrapped = turn_on_activation_checkpointing(model, names)
            self.logger.info(f'Activation checkpointing (non-reentrant) of {len(wrapped)} region(s): '
                             f'{", ".join(wrapped)}')
        return super().train()
