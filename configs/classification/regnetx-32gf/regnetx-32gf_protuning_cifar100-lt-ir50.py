# Paper Table 1: RegNetX-32GF, Pro-tuning on long-tailed CIFAR-100 (IR 50): 68.2 top-1
# (paper, same column: training from scratch 46.3, head retraining 59.6, Partial-1 62.2, Partial-2 62.4, fine-tuning 68.9).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/regnetx-32gf.py', '../_base_/datasets/cifar100-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
