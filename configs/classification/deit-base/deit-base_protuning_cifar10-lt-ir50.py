# Paper Table 2: DeiT-B, Pro-tuning on long-tailed CIFAR-10 (IR 50): 95.5 top-1
# (paper, same column: training from scratch 65.8, head retraining 90.3, Partial-1 92.0, Partial-2 93.7, fine-tuning 94.8).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-base.py', '../_base_/datasets/cifar10-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
