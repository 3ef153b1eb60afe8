# Paper Table 3: Swin-S, Pro-tuning on CIFAR-10-C: 90.2 (FT 88.2, HR 79.7, TS 82.7) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/cifar10-c_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
