# UperNet ConvNeXt-T on ADE20K, head retraining: the ConvNeXt-T stays frozen, only the UPerHead and the
# auxiliary FCNHead train.
_base_ = './upernet_convnext-t_protuning_160k_ade20k-512x512.py'

model = dict(backbone=dict(paradigm='head'))
