# UperNet on ADE20K with a frozen DINOv2 ViT-S/14, head retraining: only the MultiLevelNeck, the UPerHead and
# the auxiliary FCNHead train.
_base_ = './upernet_dinov2-s_mln_protuning_160k_ade20k-512x512.py'

model = dict(backbone=dict(paradigm='head'))
