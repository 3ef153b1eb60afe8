# CIFAR-10, upsampled to the 224x224 input the ImageNet backbones were trained at: the CIFAR-100 set-up
# with CIFAR-10's files. Layout: mmpretrain's CIFAR (data/cifar10/cifar-10-batches-py/...). CIFAR10LT with
# imbalance_ratio=1 is mmpretrain's CIFAR10 (same files, labels and order), but reports a missing
# data_root with the --cfg-options key to set and never downloads (download=True to allow it).
_base_ = './cifar100_224.py'

dataset_type = 'CIFAR10LT'
data_preprocessor = dict(num_classes=10)
train_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/cifar10'))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/cifar10'))
test_dataloader = val_dataloader
