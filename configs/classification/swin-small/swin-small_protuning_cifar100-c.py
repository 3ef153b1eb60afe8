# Paper Table 3: Swin-S, Pro-tuning on CIFAR-100-C: 70.7 (FT 70.4, HR 59.1, TS 59.1) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/cifar100-c_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
