# Memory mode for the trained HTC neck and heads: activation checkpointing of the FPN, the RPN head and
# each cascade stage's box and mask head, recomputed in backward instead of stored. Applied by
# ProTuningRunner (non-reentrant; gradients and BatchNorm statistics unchanged: tests/test_e2e_detection.py).
# Add this file to `_base_` next to an HTC config and set `model.backbone.with_cp=True` for the frozen
# backbone, as configs/detection/htc/htc_r50_fpn_protuning-memory_1x_coco.py does. HTC R-50 at 1067x800,
# batch 2 (CPU): 0.61x full fine-tuning's peak training memory, 0.96x without it, for a 1.39x step
# (docs/benchmarks.md).
activation_checkpointing = [
    'neck', 'rpn_head', 'roi_head.bbox_head.*', 'roi_head.mask_head.*', 'roi_head.semantic_head',
]
