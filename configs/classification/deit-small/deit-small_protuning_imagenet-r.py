# Paper Table 4: DeiT-S, Pro-tuning on ImageNet-R: 41.6 (FT 40.6, HR 40.9, TS 24.9) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/imagenet-r_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
