# Paper Table 1: ResNet-50, Pro-tuning on Oxford-IIIT Pets: 92.5 top-1
# (paper, same column: training from scratch 78.2, head retraining 91.8, Partial-1 91.2, Partial-2 91.4, fine-tuning 92.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/pets_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
