# Paper Table 2: DeiT-B, Pro-tuning on Oxford Flowers-102: 97.7 top-1
# (paper, same column: training from scratch 71.1, head retraining 93.0, Partial-1 95.1, Partial-2 96.8, fine-tuning 98.5).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-base.py', '../_base_/datasets/flowers102_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
