# Memory mode for the trained HTC neck and heads: activation checkpointing of the FPN, the RPN head and
# each cascade stage's box and mask head, recomputed in backward instead of stored. Applied by
# ProTuningRunner (non-reentrant; gradients and BatchNorm statistics unchanged: tests/test_e2e_detection.py).
# Add this file to `_base_` next to an HTC config and set `model.backbone.with_cp=True` for the frozen
# backbone. What it saves on COCO-sized images is not measured yet (docs/distributed-and-cost.md).
activation_checkpointing = [
    'neck', 'rpn_head', 'roi_head.bbox_head.*', 'roi_head.mask_head.*', 'roi_head.semantic_head',
]
