# Paper Table 2: DeiT-B, Pro-tuning on long-tailed CIFAR-100 (IR 50): 77.7 top-1
# (paper, same column: training from scratch 35.2, head retraining 71.4, Partial-1 70.5, Partial-2 73.8, fine-tuning 76.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-base.py', '../_base_/datasets/cifar100-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
