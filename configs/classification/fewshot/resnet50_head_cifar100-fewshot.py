# Paper Figure 4: ResNet-50 head retraining with k images per class of CIFAR-100 (full test set).
# Same data, shots and schedule as the Pro-tuning config; only the paradigm differs.
_base_ = './resnet50_protuning_cifar100-fewshot.py'
model = dict(backbone=dict(paradigm='head'))
