# Paper Table 4: Swin-S, Pro-tuning on ImageNet-R: 46.4 (FT 45.2, HR 45.2, TS 30.5) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/imagenet-r_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
