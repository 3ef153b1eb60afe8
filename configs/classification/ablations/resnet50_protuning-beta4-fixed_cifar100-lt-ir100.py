# Paper Table 10: ResNet-50 Pro-tuning with beta fixed to 4 on long-tailed CIFAR-100 (IR 100):
# 49.7 top-1 (learnable beta, the default ../resnet50/resnet50_protuning_cifar100-lt-ir100.py: 58.1 in
# this table, 61.2 in Tables 1/7).
_base_ = '../resnet50/resnet50_protuning_cifar100-lt-ir100.py'
model = dict(backbone=dict(prompt_cfg=dict(beta_init=4, learnable_beta=False)))
