# UperNet ConvNeXt-T on ADE20K, full fine-tuning (mmseg's recipe without its stage-wise learning-rate
# decay, see the Pro-tuning config).
_base_ = './upernet_convnext-t_protuning_160k_ade20k-512x512.py'

model = dict(backbone=dict(paradigm='full'))
