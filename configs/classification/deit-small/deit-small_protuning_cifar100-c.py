# Paper Table 3: DeiT-S, Pro-tuning on CIFAR-100-C: 73.0 (FT 72.8, HR 59.2, TS 59.1) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/cifar100-c_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
