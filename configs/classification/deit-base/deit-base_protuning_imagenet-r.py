# Paper Table 4: DeiT-B, Pro-tuning on ImageNet-R: 44.3 (FT 44.9, HR 44.0, TS 23.6) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/deit-base.py', '../_base_/datasets/imagenet-r_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
