# Paper Table 3: ResNet-50, Pro-tuning on CIFAR-10-C: 83.5 (FT 80.8, HR 62.2, TS 83.0) top-1.
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|scratch
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/cifar10-c_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
