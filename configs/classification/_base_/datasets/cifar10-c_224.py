# CIFAR-10-C (Hendrycks & Dietterich, 2019): train and validate on clean CIFAR-10 (./cifar10_224.py),
# test on the 15 benchmark corruptions x 5 severities of the CIFAR-10 test set. Layout: Hendrycks'
# release, data/CIFAR-10-C/{labels,<corruption>}.npy. The test metric is the mean top-1 over all
# corruptions and severities plus the per-corruption x severity table (CorruptionAccuracy).
_base_ = './cifar10_224.py'

cifar_c_test_pipeline = [
    dict(type='Resize', scale=(224, 224)),
    # corruption/severity ride in the data samples' metainfo to CorruptionAccuracy.
    dict(
        type='PackInputs',
        meta_keys=('sample_idx', 'img_shape', 'ori_shape', 'corruption', 'severity')),
]
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CIFAR10C',
        data_root='data/CIFAR-10-C',
        corruptions='benchmark',
        severities=(1, 2, 3, 4, 5),
        pipeline=cifar_c_test_pipeline))
test_evaluator = dict(_delete_=True, type='CorruptionAccuracy')
