# Paper Table 2: DeiT-S, Pro-tuning on long-tailed CIFAR-10 (IR 100): 92.6 top-1
# (paper, same column: training from scratch 58.9, head retraining 83.6, Partial-1 87.7, Partial-2 89.3, fine-tuning 92.0).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/cifar10-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
