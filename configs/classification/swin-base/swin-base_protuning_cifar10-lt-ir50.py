# Paper Table 2: Swin-B, Pro-tuning on long-tailed CIFAR-10 (IR 50): 95.4 top-1
# (paper, same column: training from scratch 70.1, head retraining 88.2, Partial-1 89.4, Partial-2 91.4, fine-tuning 95.3).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-base.py', '../_base_/datasets/cifar10-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
