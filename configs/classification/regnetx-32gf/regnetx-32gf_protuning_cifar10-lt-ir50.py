# Paper Table 1: RegNetX-32GF, Pro-tuning on long-tailed CIFAR-10 (IR 50): 93.0 top-1
# (paper, same column: training from scratch 83.0, head retraining 84.5, Partial-1 88.6, Partial-2 88.8, fine-tuning 92.7).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/regnetx-32gf.py', '../_base_/datasets/cifar10-lt-ir50_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
