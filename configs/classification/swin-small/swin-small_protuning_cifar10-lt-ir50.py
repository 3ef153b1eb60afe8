# Paper Table 2: Swin-S, Pro-tuning on long-tailed CIFAR-10 (IR 50): 95.5 top-1
# (paper, same column: training from scratch 70.8, head retraining 87.6, Partial-1 89.7, Partial-2 92.2, fine-tuning 95.8).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/cifar10-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
