# FCN R-50-D8 Pro-tuning (paper Table 6) in memory mode: the frozen backbone (with_cp) and the
# trained heads (activation_checkpointing) recompute their activations in backward. Same model,
# same gradients; 0.51x full fine-tuning's peak training memory at 512x512 for a 1.35x step
# (docs/benchmarks.md).
_base_ = ['./fcn_r50-d8_protuning_80k_ade20k-512x512.py', '../_base_/memory_mode/fcn.py']

model = dict(backbone=dict(with_cp=True))
