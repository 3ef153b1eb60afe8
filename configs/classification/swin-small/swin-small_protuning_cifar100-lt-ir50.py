# Paper Table 2: Swin-S, Pro-tuning on long-tailed CIFAR-100 (IR 50): 75.3 top-1
# (paper, same column: training from scratch 47.2, head retraining 66.4, Partial-1 69.0, Partial-2 70.2, fine-tuning 75.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/cifar100-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
