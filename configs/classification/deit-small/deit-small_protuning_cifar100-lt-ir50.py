# Paper Table 2: DeiT-S, Pro-tuning on long-tailed CIFAR-100 (IR 50): 74.4 top-1
# (paper, same column: training from scratch 37.9, head retraining 66.8, Partial-1 66.5, Partial-2 68.9, fine-tuning 73.6).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/cifar100-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
