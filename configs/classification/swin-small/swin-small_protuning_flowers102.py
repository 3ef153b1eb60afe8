# Paper Table 2: Swin-S, Pro-tuning on Oxford Flowers-102: 97.0 top-1
# (paper, same column: training from scratch 74.3, head retraining 88.8, Partial-1 93.3, Partial-2 95.9, fine-tuning 98.9).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-small.py', '../_base_/datasets/flowers102_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
