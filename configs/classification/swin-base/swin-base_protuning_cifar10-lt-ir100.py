# Paper Table 2: Swin-B, Pro-tuning on long-tailed CIFAR-10 (IR 100): 94.2 top-1
# (paper, same column: training from scratch 62.3, head retraining 84.6, Partial-1 86.5, Partial-2 88.7, fine-tuning 93.9).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-base.py', '../_base_/datasets/cifar10-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
