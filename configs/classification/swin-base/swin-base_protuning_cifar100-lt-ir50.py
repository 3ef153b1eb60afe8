# Paper Table 2: Swin-B, Pro-tuning on long-tailed CIFAR-100 (IR 50): 75.7 top-1
# (paper, same column: training from scratch 46.9, head retraining 67.5, Partial-1 68.7, Partial-2 69.6, fine-tuning 76.2).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-base.py', '../_base_/datasets/cifar100-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
