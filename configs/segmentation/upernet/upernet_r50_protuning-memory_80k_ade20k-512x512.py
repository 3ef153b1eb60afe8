# UperNet R-50 Pro-tuning (paper Table 6) in memory mode: the frozen backbone (with_cp) and the
# trained heads (activation_checkpointing) recompute their activations in backward. Same model,
# same gradients; less than half of full fine-tuning's peak training memory at 512x512
# (docs/distributed-and-cost.md), for about one more forward per step.
_base_ = ['./upernet_r50_protuning_80k_ade20k-512x512.py', '../_base_/memory_mode/upernet.py']

model = dict(backbone=dict(with_cp=True))
