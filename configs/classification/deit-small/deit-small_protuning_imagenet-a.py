# Paper Table 4: DeiT-S, Pro-tuning on ImageNet-A: 20.4 (FT 15.6, HR 19.2, TS 6.5) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/imagenet-a_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
