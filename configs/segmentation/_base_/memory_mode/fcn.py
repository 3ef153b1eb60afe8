# Memory mode for the trained FCN heads: activation checkpointing of the decode head and the
# auxiliary FCN head (each region, its conv modules, and the loss on logits upsampled to label size).
# Applied by ProTuningRunner (non-reentrant; gradients and BatchNorm statistics unchanged). Add this
# file to `_base_` next to an FCN config and set `model.backbone.with_cp=True` for the frozen backbone.
activation_checkpointing = [
    'decode_head', 'decode_head.convs.*', 'decode_head.conv_cat', 'decode_head.loss_by_feat',
    'auxiliary_head', 'auxiliary_head.convs.*', 'auxiliary_head.loss_by_feat',
]
