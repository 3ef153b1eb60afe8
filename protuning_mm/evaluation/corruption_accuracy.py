"""Accuracy under common corruptions, per corruption and severity (CIFAR-10-C / CIFAR-100-C;
Hendrycks & Dietterich, 2019, https://arxiv.org/abs/1903.12261)."""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.logging import MMLogger
from mmpretrain.evaluation import Accuracy
from mmpretrain.registry import METRICS


@METRICS.register_module()
class CorruptionAccuracy(Accuracy):
    """Top-1 accuracy averaged over corruptions x severities, with the full table.

    Each data sample must carry ``corruption`` and ``severity`` in its metainfo (the CIFAR-C
    datasets set them; keep them with ``PackInputs(meta_keys=(..., 'corruption', 'severity'))``).
    The mean gives every (corruption, severity) cell the same weight, as the benchmark does.
    The table is logged as markdown; the returned keys are flat, e.g. with the default prefix::

        corruption/top1                  mean over all cells
        corruption/gaussian_noise/3      one cell
        corruption/gaussian_noise/mean   one corruption, mean over its severities
        corruption/severity/3            one severity, mean over corruptions

    Args:
        collect_device (str): Device to gather results on in distributed runs.
            Defaults to ``'cpu'``.
        prefix (str, optional): Key prefix. Defaults to ``'corruption'``.

    Examples:
        >>> test_evaluator = dict(type='CorruptionAccuracy')
    """

    default_prefix: Optional[str] = 'corruption'

    def __init__(self, collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(topk=(1, ), thrs=None, collect_device=collect_device, prefix=prefix)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the predicted label, the label and the cell of every sample."""
        for sample in data_samples:
            missing = [k for k in ('corruption', 'severity') if k not in sample]
            if missing:
                raise KeyError(
                    f'CorruptionAccuracy: data sample has no {missing} in its metainfo. Use a '
                    "CIFAR10C/CIFAR100C dataset and PackInputs(meta_keys=('sample_idx', "
                    "'corruption', 'severity')) in its pipeline.")
            if 'pred_score' in sample:
                pred = int(sample['pred_score'].argmax())
            else:
                pred = int(sample['pred_label'].reshape(-1)[0])
            self.results.append(
                dict(correct=pred == int(sample['gt_label'].reshape(-1)[0]),
                     corruption=str(sample['corruption']), severity=int(sample['severity'])))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Mean top-1 over cells, each cell, each corruption and each severity (in %)."""
        hits: Dict[tuple, List[bool]] = defaultdict(list)
        for res in results:
            hits[(res['corruption'], res['severity'])].append(res['correct'])
        cells = {key: 100.0 * sum(v) / len(v) for key, v in hits.items()}
        corruptions = list(dict.fromkeys(c for c, _ in sorted(cells, key=_order(results))))
        severities = sorted({s for _, s in cells})
        mean = lambda values: float(torch.tensor(values, dtype=torch.float64).mean())  # noqa: E731
        metrics = {'top1': mean(list(cells.values()))}
        for c in corruptions:
            for s in severities:
                if (c, s) in cells:
                    metrics[f'{c}/{s}'] = cells[(c, s)]
            metrics[f'{c}/mean'] = mean([v for (cc, _), v in cells.items() if cc == c])
        for s in severities:
            metrics[f'severity/{s}'] = mean([v for (_, ss), v in cells.items() if ss == s])
        MMLogger.get_current_instance().info('\n' + self.table(metrics, corruptions, severities))
        return metrics

    @staticmethod
    def table(metrics: Dict[str, float], corruptions: Sequence[str],
              severities: Sequence[int]) -> str:
        """A markdown table: one row per corruption, one column per severity, plus means."""
        head = '| corruption | ' + ' | '.join(f'severity {s}' for s in severities) + ' | mean |'
        rows = [head, '|' + ' --- |' * (len(severities) + 2)]
        fmt = lambda key: f'{metrics[key]:.2f}' if key in metrics else '-'  # noqa: E731
        for c in corruptions:
            rows.append(f'| {c} | ' + ' | '.join(fmt(f'{c}/{s}') for s in severities) +
                        f' | {fmt(f"{c}/mean")} |')
        rows.append('| mean | ' + ' | '.join(fmt(f'severity/{s}') for s in severities) +
                    f' | {fmt("top1")} |')
        return '\n'.join(rows)


def _order(results: List[dict]):
    """Sort cells by the order the corruptions first appear in (the dataset's order)."""
    first = {}
    for i, res in enumerate(results):
        first.setdefault(res['corruption'], i)
    return lambda key: (first[key[0]], key[1])
