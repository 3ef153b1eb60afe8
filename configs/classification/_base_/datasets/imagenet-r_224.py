# ImageNet-R (renditions of 200 ImageNet classes) at 224x224 for ImageNet-pretrained
# backbones.
# Layout: the folder release, data/imagenet-r/<wnid>/*.jpg. A 200-way head trains on a seeded 80/20
# per-class split (split='train'/'val', split_ratio, seed). SubsetAccuracy scores a 200-way head
# directly and masks a 1000-way ImageNet model to the 200 classes (metainfo indices_in_1k); to
# evaluate such a model on the whole release: --cfg-options test_dataloader.dataset.split=all
_base_ = './_imagefile_224.py'

dataset_type = 'ImageNetR'
data_preprocessor = dict(num_classes=200)

train_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/imagenet-r', split='train', split_ratio=0.8, seed=0))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/imagenet-r', split='val', split_ratio=0.8, seed=0))
test_dataloader = val_dataloader
val_evaluator = dict(type='SubsetAccuracy')
test_evaluator = val_evaluator
