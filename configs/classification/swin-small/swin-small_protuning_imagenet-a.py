# Paper Table 4: Swin-S, Pro-tuning on ImageNet-A: 33.4 (FT 26.5, HR 32.8, TS 12.6) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/imagenet-a_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
