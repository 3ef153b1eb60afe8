# Clothing1M (14 classes) at 224x224 for ImageNet-pretrained backbones: train on the 1M noisy labels,
# validate on clean_val, test on clean_test. Layout: the official release, data/Clothing1M/{images/...,
# noisy_label_kv.txt, clean_label_kv.txt, *_key_list.txt, category_names_eng.txt}.
_base_ = './_imagefile_224.py'

dataset_type = 'Clothing1M'
data_preprocessor = dict(num_classes=14)

train_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/Clothing1M', split='noisy_train'))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/Clothing1M', split='clean_val'))
test_dataloader = dict(dataset=dict(type=dataset_type, data_root='data/Clothing1M', split='clean_test'))
