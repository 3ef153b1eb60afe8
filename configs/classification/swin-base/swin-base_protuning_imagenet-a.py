# Paper Table 4: Swin-B, Pro-tuning on ImageNet-A: 37.7 (FT 33.6, HR 36.5, TS 13.7) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/swin-base.py', '../_base_/datasets/imagenet-a_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
