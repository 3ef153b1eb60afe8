# Paper Table 2: DeiT-S, Pro-tuning on Oxford Flowers-102: 97.0 top-1
# (paper, same column: training from scratch 68.9, head retraining 89.0, Partial-1 92.7, Partial-2 95.6, fine-tuning 98.3).
# Other paradigms: --cfg-options model.backbone.paradigm=head|full|partial-1|partial-2|scratch
_base_ = ['../_base_/setups/deit-small.py', '../_base_/datasets/flowers102_224.py']
model = dict(head=dict(num_classes={{_base_.data_preprocessor.num_classes}}))
