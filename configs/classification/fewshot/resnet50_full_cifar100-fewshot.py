# Paper Figure 4: ResNet-50 fine-tuning with k images per class of CIFAR-100 (full test set).
# k = 16 here; the paper uses 1, 2, 4, 8, 16 (and FewShotDataset seeds):
#   --cfg-options train_dataloader.dataset.shots=4 train_dataloader.dataset.seed=1
# The wrapped dataset is the base one: its data_root is train_dataloader.dataset.dataset.data_root.
_base_ = [
    '../_base_/models/resnet50_protuning.py',
    '../_base_/datasets/cifar100_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='full'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='FewShotDataset',
        shots=16,
        seed=0,
        dataset={{_base_.train_dataloader.dataset}}))
