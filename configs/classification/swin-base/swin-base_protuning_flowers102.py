# Paper Table 2: Swin-B, Pro-tuning on Oxford Flowers-102: 96.7 top-1
# (paper, same column: training from scratch 76.7, head retraining 90.6, Partial-1 94.2, Partial-2 95.4, fine-tuning 98.9).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/swin-base.py', '../_base_/datasets/flowers102_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
