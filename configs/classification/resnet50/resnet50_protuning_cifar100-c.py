# Paper Table 3: ResNet-50, Pro-tuning on CIFAR-100-C: 58.6 (FT 57.4, HR 43.6, TS 58.2) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/cifar100-c_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
