"""Accuracy on a class subset of a larger label space: ImageNet-A / ImageNet-R (200 classes)
scored by a 1000-way ImageNet classifier, as in the official evaluation code, which keeps only
the logits of the 200 classes (``output[:, indices_in_1k]``) before taking the arg-max."""
from typing import Optional, Sequence, Union

import torch
from mmpretrain.evaluation import Accuracy
from mmpretrain.registry import METRICS


@METRICS.register_module()
class SubsetAccuracy(Accuracy):
    """:class:`mmpretrain.evaluation.Accuracy` over the subset's classes only.

    Labels are subset indices (0..S-1). Scores of width S (a head trained on the subset) are
    used as they are; wider scores (a 1000-way model) are masked to ``indices`` first, so top-k
    ranks only the subset's classes. Any other width is an error.

    Args:
        topk (int | Sequence[int]): As in ``Accuracy``. Defaults to ``(1, )``.
        indices (Sequence[int], optional): Positions of the subset's classes in the full label
            space. Defaults to None: ``dataset_meta['indices_in_1k']`` (set by
            :class:`~protuning_mm.datasets.ImageNetA` / ``ImageNetR``).
        thrs: As in ``Accuracy``. Defaults to 0.
        collect_device (str): As in ``Accuracy``. Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'accuracy'``.

    Examples:
        >>> test_evaluator = dict(type='SubsetAccuracy', topk=(1, 5))
    """

    def __init__(self,
                 topk: Union[int, Sequence[int]] = (1, ),
                 indices: Optional[Sequence[int]] = None,
                 thrs: Union[float, Sequence[Union[float, None]], None] = 0.,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(topk=topk, thrs=thrs, collect_device=collect_device, prefix=prefix)
        self.indices = None if indices is None else [int(i) for i in indices]

    def _subset(self) -> torch.Tensor:
        indices = self.indices
        if indices is None:
            indices = (self.dataset_meta or {}).get('indices_in_1k')
            if indices is None:
                raise ValueError(
                    "SubsetAccuracy: set indices=[...] or use a dataset whose metainfo has "
                    "'indices_in_1k' (ImageNetA, ImageNetR).")
        return torch.as_tensor(list(indices), dtype=torch.long)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Mask every score vector to the subset, then proceed as ``Accuracy``."""
        subset = self._subset()
        for sample in data_samples:
            if 'pred_score' not in sample:
                raise KeyError('SubsetAccuracy needs pred_score (the class scores) to mask them; '
                               'the data sample has only a predicted label.')
            score = sample['pred_score'].cpu()
            if score.numel() > len(subset) and score.numel() > int(subset.max()):
                score = score[subset]
            elif score.numel() != len(subset):
                raise ValueError(
                    f'SubsetAccuracy: {score.numel()} scores fit neither the {len(subset)}-class '
                    f'subset nor the label space its indices (max {int(subset.max())}) index.')
            self.results.append(dict(pred_score=score, gt_label=sample['gt_label'].cpu()))
