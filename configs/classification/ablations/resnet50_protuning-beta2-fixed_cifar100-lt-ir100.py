# Paper Table 10: ResNet-50 Pro-tuning with beta fixed to 2 on long-tailed CIFAR-100 (IR 100):
# 49.5 top-1 (learnable beta, the default ../resnet50/resnet50_protuning_cifar100-lt-ir100.py: 58.1 in
# this table, 61.2 in Tables 1/7).
_base_ = [
    '../_base_/models/resnet50_protuning.py',
    '../_base_/datasets/cifar100-lt-ir100_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning',
                  prompt_cfg=dict(beta_init=2, learnable_beta=False)),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
