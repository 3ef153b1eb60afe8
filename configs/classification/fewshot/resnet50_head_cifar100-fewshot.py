# Paper Figure 4: ResNet-50 head retraining with k images per class of CIFAR-100 (full test set).
# k = 16 here; the paper uses 1, 2, 4, 8, 16 (and FewShotDataset seeds):
#   --cfg-options train_dataloader.dataset.shots=4 train_dataloader.dataset.seed=1
# The wrapped dataset is the base one: its data_root is train_dataloader.dataset.dataset.data_root.
_base_ = './resnet50_protuning_cifar100-fewshot.py'
model = dict(backbone=dict(paradigm='head'))
