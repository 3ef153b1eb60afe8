# Memory mode for the trained UperNet heads: activation checkpointing of the decode head and the
# auxiliary FCN head (each region, its conv modules, and the loss on logits upsampled to label size),
# recomputed in backward instead of stored. Applied by ProTuningRunner (non-reentrant; gradients and
# BatchNorm statistics unchanged). Add this file to `_base_` next to a UperNet config and set
# `model.backbone.with_cp=True` for the frozen backbone (see upernet_r50_protuning-memory_*.py).
# docs/distributed-and-cost.md gives what it saves and costs.
activation_checkpointing = [
    'decode_head', 'decode_head.psp_modules', 'decode_head.bottleneck', 'decode_head.lateral_convs.*',
    'decode_head.fpn_convs.*', 'decode_head.fpn_bottleneck', 'decode_head.loss_by_feat',
    'auxiliary_head', 'auxiliary_head.convs.*', 'auxiliary_head.loss_by_feat',
]
