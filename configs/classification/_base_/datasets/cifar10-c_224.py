# CIFAR-10-C (Hendrycks & Dietterich, 2019): train and validate on clean CIFAR-10 (./cifar10_224.py),
# test on the 15 benchmark corruptions x 5 severities of the CIFAR-10 test set. Layout: Hendrycks'
# release, data/CIFAR-10-C/{labels,<corruption>}.npy. The test metric is the mean top-1 over all
# corruptions and severities plus the per-corruption x severity table (CorruptionAccuracy).
# The CIFAR-100-C set-up (./cifar100-c_224.py) with CIFAR-10's files, as ./cifar10_224.py is
# CIFAR-100's with CIFAR-10's: the same four overrides, plus the corrupted test set's.
_base_ = './cifar100-c_224.py'

dataset_type = 'CIFAR10LT'
data_preprocessor = dict(num_classes=10)
train_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/cifar10'))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/cifar10'))
test_dataloader = dict(dataset=dict(type='CIFAR10C', data_root='data/CIFAR-10-C'))
