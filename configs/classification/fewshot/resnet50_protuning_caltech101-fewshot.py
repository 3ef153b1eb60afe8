# Paper Figure 4: ResNet-50 Pro-tuning with k images per class of Caltech-101 (full test set).
# k = 16 here; the paper uses 1, 2, 4, 8, 16 (and FewShotDataset seeds):
#   --cfg-options train_dataloader.dataset.shots=4 train_dataloader.dataset.seed=1
# The wrapped dataset is the base one: its data_root is train_dataloader.dataset.dataset.data_root.
_base_ = ['../_base_/setups/resnet50.py', '../_base_/datasets/caltech101_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='FewShotDataset',
        shots=16,
        seed=0,
        dataset={{_base_.train_dataloader.dataset}}))
