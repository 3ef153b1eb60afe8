# Stanford Dogs (120 breeds; the official 12,000 / 8,580 lists) at 224x224 for ImageNet-pretrained
# backbones. Layout: the official release, data/StanfordDogs/{Images/<wnid>-<breed>/*.jpg,
# lists/{train,test}_list.mat}.
_base_ = './_imagefile_224.py'

dataset_type = 'StanfordDogs'
data_preprocessor = dict(num_classes=120)

train_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/StanfordDogs', split='train'))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/StanfordDogs', split='test'))
test_dataloader = val_dataloader
