# Paper Table 2: Swin-S, Pro-tuning on long-tailed CIFAR-10 (IR 100): 93.8 top-1
# (paper, same column: training from scratch 62.6, head retraining 83.5, Partial-1 86.6, Partial-2 90.2, fine-tuning 93.6).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/cifar10-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
