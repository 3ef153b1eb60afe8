# Paper Table 1: RegNetX-32GF, Pro-tuning on long-tailed CIFAR-10 (IR 100): 91.2 top-1
# (paper, same column: training from scratch 77.5, head retraining 83.4, Partial-1 86.2, Partial-2 86.7, fine-tuning 91.0).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/regnetx-32gf.py', '../_base_/datasets/cifar10-lt-ir100_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
