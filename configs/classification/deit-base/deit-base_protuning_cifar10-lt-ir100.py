# Paper Table 2: DeiT-B, Pro-tuning on long-tailed CIFAR-10 (IR 100): 93.5 top-1
# (paper, same column: training from scratch 58.2, head retraining 87.5, Partial-1 89.8, Partial-2 91.7, fine-tuning 93.8).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-base.py', '../_base_/datasets/cifar10-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
