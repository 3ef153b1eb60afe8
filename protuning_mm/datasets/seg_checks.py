"""Checks that turn silent or cryptic semantic-segmentation data errors into clear messages.

Two mistakes in a segmentation data set do not fail clearly upstream:

* a label map whose size differs from its image: mmseg crops image and label with the same window
  and pads them apart, so the pair is silently misaligned (or the collate fails much later);
* class ids the model does not have (a data set with more classes than ``num_classes``, or
  ``reduce_zero_label`` forgotten): CUDA stops with a device-side assert, and mmseg's
  ``IoUMetric`` silently drops out-of-range ids from its histogram.

:class:`CheckSegLabels` is a pipeline transform placed right after ``LoadAnnotations`` and checks
every loaded pair. :class:`~protuning_mm.engine.SegClassCheckHook` (a hook, in
``protuning_mm.engine``) checks, before training, validation and
testing, that the decode heads, the data set's ``metainfo['classes']`` and the transform agree on
the class count (mmdet's ``NumClassCheckHook`` does the first half of this for detection).

Both are registered in the root mmengine registries, which mmseg's scope searches, so importing
this module needs no mmseg.
"""
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CheckSegLabels(BaseTransform):
    """Fail clearly on a label map of the wrong size or with class ids outside the model's range.

    Put it right after mmseg's ``LoadAnnotations`` (before any resize or crop). The label map must
    have the original image's size (``ori_shape``, set by ``LoadImageFromFile``), which also holds
    in mmseg's test pipeline, where ``LoadAnnotations`` follows ``Resize``. Every id must be in
    ``[0, num_classes)`` or equal ``ignore_index``, after ``reduce_zero_label`` / ``label_map``.

    Required keys: ``gt_seg_map`` (where ``seg_map_path`` is given), ``ori_shape``. Optional: ``img_path``.
    Without a label (no ``seg_map_path``: an inferencer's pipeline) it passes the results through.

    Args:
        num_classes (int): Classes the model predicts (the decode heads' ``num_classes``).
        ignore_index (int): The id the loss and the metric ignore. Defaults to 255.

    Examples:
        >>> import numpy as np
        >>> check = CheckSegLabels(num_classes=150)
        >>> out = check(dict(gt_seg_map=np.zeros((4, 6), np.uint8), ori_shape=(4, 6)))
    """

    def __init__(self, num_classes: int, ignore_index: int = 255) -> None:
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f'CheckSegLabels: num_classes must be a positive int, got {num_classes!r}.')
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        if 'gt_seg_map' not in results:
            if 'seg_map_path' not in results:
                # Inference: mmseg's inferencers drop LoadAnnotations from the test pipeline, and there is no
                # label to check.
                return results
            raise KeyError('CheckSegLabels needs `gt_seg_map`: put it right after LoadAnnotations in the pipeline.')
        label = results['gt_seg_map']
        where = f'label map {results.get("seg_map_path", "?")} (image {results.get("img_path", "?")})'
        ori_shape = tuple(results.get('ori_shape', label.shape[:2]))
        if tuple(label.shape[:2]) != ori_shape[:2]:
            raise ValueError(f'{where}: the label map is {label.shape[1]}x{label.shape[0]} (WxH) but the image is '
                             f'{ori_shape[1]}x{ori_shape[0]}; every label PNG must have its image\'s size.')
        ids = np.unique(label)
        bad = ids[(ids >= self.num_classes) & (ids != self.ignore_index)]
        if bad.size or (ids.size and ids.min() < 0):
            bad = np.concatenate([ids[ids < 0], bad])
            raise ValueError(
                f'{where}: class ids {bad[:10].tolist()} are outside [0, {self.num_classes}) and are not the '
                f'ignore index {self.ignore_index} (reduce_zero_label={results.get("reduce_zero_label")}). The '
                'data set has more classes than the model: set model.decode_head.num_classes (and '
                'model.auxiliary_head.num_classes) and this check\'s num_classes to the data set\'s class count, '
                'or fix reduce_zero_label / the label files.')
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(num_classes={self.num_classes}, ignore_index={self.ignore_index})'

