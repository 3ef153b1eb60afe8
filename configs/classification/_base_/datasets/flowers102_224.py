# Oxford Flowers-102 (mmpretrain's Flowers102) at 224x224 for ImageNet-pretrained backbones: train on
# train+val (2,040 images), test on the 6,149 test images.
# Layout: the official release, data/Flowers102/{jpg/image_*.jpg, imagelabels.mat, setid.mat}.
_base_ = './_imagefile_224.py'

dataset_type = 'Flowers102'
data_preprocessor = dict(num_classes=102)

train_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/Flowers102', split='trainval'))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/Flowers102', split='test'))
test_dataloader = val_dataloader
