# UperNet R-50 on ADE20K, 80k iterations, Pro-tuning + fine-tuning: prompt blocks trained together with the whole
# backbone (paper section 4.4, "Pro-tuning fine-tune"; Table 6 does not report it for segmentation).
_base_ = './upernet_r50_protuning_80k_ade20k-512x512.py'

model = dict(backbone=dict(paradigm='protuning+full'))
