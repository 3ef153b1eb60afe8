# Paper Table 2: DeiT-S, Pro-tuning on long-tailed CIFAR-10 (IR 50): 94.2 top-1
# (paper, same column: training from scratch 67.9, head retraining 86.9, Partial-1 89.2, Partial-2 91.6, fine-tuning 94.0).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/cifar10-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
