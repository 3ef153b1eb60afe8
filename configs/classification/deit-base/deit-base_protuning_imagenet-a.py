# Paper Table 4: DeiT-B, Pro-tuning on ImageNet-A: 28.5 (FT 24.1, HR 27.8, TS 5.9) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/deit-base.py', '../_base_/datasets/imagenet-a_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
