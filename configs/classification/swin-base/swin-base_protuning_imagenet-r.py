# Paper Table 4: Swin-B, Pro-tuning on ImageNet-R: 46.6 (FT 47.4, HR 46.6, TS 30.3) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/swin-base.py', '../_base_/datasets/imagenet-r_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
