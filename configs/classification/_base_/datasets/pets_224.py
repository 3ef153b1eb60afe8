# Oxford-IIIT Pets (37 breeds; mmpretrain's OxfordIIITPet) at 224x224 for ImageNet-pretrained backbones.
# Layout: the official release, data/Oxford-IIIT_Pets/{images/*.jpg, annotations/{trainval,test}.txt}.
_base_ = './_imagefile_224.py'

dataset_type = 'OxfordIIITPet'
data_preprocessor = dict(num_classes=37)

train_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/Oxford-IIIT_Pets', split='trainval'))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/Oxford-IIIT_Pets', split='test'))
test_dataloader = val_dataloader
