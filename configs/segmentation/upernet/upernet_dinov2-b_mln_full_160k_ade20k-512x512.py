# UperNet on ADE20K with DINOv2 ViT-B/14, full fine-tuning (mmseg's plain-ViT recipe).
_base_ = './upernet_dinov2-b_mln_protuning_160k_ade20k-512x512.py'

model = dict(backbone=dict(paradigm='full'))
