# Paper Table 1: RegNetX-32GF, Pro-tuning on Oxford-IIIT Pets: 94.3 top-1
# (paper, same column: training from scratch 77.8, head retraining 93.4, Partial-1 92.6, Partial-2 93.0, fine-tuning 94.0).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = [
    '../_base_/models/regnetx-32gf_protuning.py',
    '../_base_/datasets/pets_224.py',
    '../_base_/schedules/sgd-cos_100e.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/protuning_runtime.py',
]
model = dict(
    backbone=dict(paradigm='protuning'),
    head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
