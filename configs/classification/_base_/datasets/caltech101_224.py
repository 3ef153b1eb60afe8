# Caltech-101 (102 classes incl. BACKGROUND_Google; mmpretrain's Caltech101) at 224x224 for
# ImageNet-pretrained backbones. Layout: data/caltech-101/{101_ObjectCategories/<class>/*.jpg,
# meta/{train,test}.txt}; the split files are mmpretrain's
# (https://download.openmmlab.com/mmpretrain/datasets/caltech_meta.zip).
_base_ = './_imagefile_224.py'

dataset_type = 'Caltech101'
data_preprocessor = dict(num_classes=102)

train_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/caltech-101', split='train'))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/caltech-101', split='test'))
test_dataloader = val_dataloader
