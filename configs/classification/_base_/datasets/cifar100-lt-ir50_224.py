# Long-tailed CIFAR-100 (Cao et al., 2019), imbalance ratio 50: class c keeps the first
# int(n_max * (1/50) ** (c / (C - 1))) training images in file order; the test set stays balanced.
_base_ = './cifar100_224.py'
train_dataloader = dict(dataset=dict(imbalance_ratio=50))
