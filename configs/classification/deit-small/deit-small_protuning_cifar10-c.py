# Paper Table 3: DeiT-S, Pro-tuning on CIFAR-10-C: 91.5 (FT 91.1, HR 79.7, TS 85.9) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/cifar10-c_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
