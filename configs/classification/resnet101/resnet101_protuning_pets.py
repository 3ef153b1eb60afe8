# Paper Table 1: ResNet-101, Pro-tuning on Oxford-IIIT Pets: 93.9 top-1
# (paper, same column: training from scratch 77.7, head retraining 92.4, Partial-1 91.4, Partial-2 91.5, fine-tuning 93.7).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet101.py', '../_base_/datasets/pets_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
