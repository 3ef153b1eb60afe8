# HTC R-50-FPN Pro-tuning (paper Table 5) in memory mode: the frozen backbone (with_cp) and the trained
# FPN, RPN, semantic and cascade heads (activation_checkpointing) recompute their activations in backward.
# Same model, same gradients; at 1067x800, batch 2 (CPU) 0.61x full fine-tuning's peak training memory
# (0.96x without memory mode) for a 1.39x step (docs/benchmarks.md).
_base_ = ['./htc_r50_fpn_protuning_1x_coco.py', '../_base_/memory_mode/htc.py']

model = dict(backbone=dict(with_cp=True))
