"""The :class:`~protuning_mm.models.PromptBlock` defaults of each backbone family, in one place.

Each adapter's ``default_prompt_cfg`` is one of these; a config's ``prompt_cfg`` overrides them key by
key. The numbers are chosen to land on the paper's prompt parameter counts (docs/design.md,
'Parameter targets'; checked by tests/test_paper_param_counts.py).
"""
# CNNs (ResNet, RegNet, MobileNetV2, timm CNNs): ~0.645 C^2 per block, i.e. inner width C/4 and SE on
# the C-wide output.
CNN_PROMPT_CFG = dict(hidden_ratio=0.25, se_position='output', se_reduction=16)

# Transformers (Swin, ViT/DeiT): ~1.05 C^2 per block, i.e. inner width C/2 and SE on the inner width.
TRANSFORMER_PROMPT_CFG = dict(hidden_ratio=0.5, se_position='hidden', se_reduction=16)
