"""Pipeline edits the segmentation configs share.

The configs import this module after their ``_base_`` line (mmengine reads a ``.py`` config whose
first statement assigns ``_base_`` as a text config, runs its Python, and drops imported functions
from the result), so the merged config holds only the edited pipeline lists.
"""
from typing import List, Sequence


def with_seg_label_check(pipeline: Sequence[dict], num_classes: int) -> List[dict]:
    """A copy of an mmseg pipeline with ``CheckSegLabels`` right after ``LoadAnnotations``.

    ``LoadAnnotations`` is found by type, not position: it is the second transform of mmseg's train
    pipelines but the third of its test pipelines (after ``Resize``).

    Args:
        pipeline (Sequence[dict]): The upstream pipeline (transform configs); not changed.
        num_classes (int): The model's class count, for ``CheckSegLabels``.

    Returns:
        list[dict]: The pipeline with the check inserted (the other entries are the same objects).

    Raises:
        ValueError: If the pipeline does not have exactly one ``LoadAnnotations``.
    """
    at = [i for i, step in enumerate(pipeline)
          if str(step.get('type', '')).split('.')[-1] == 'LoadAnnotations']
    if len(at) != 1:
        raise ValueError(f'expected one LoadAnnotations in the pipeline, found {len(at)}: '
                         f'{[step.get("type") for step in pipeline]}')
    edited = list(pipeline)
    edited.insert(at[0] + 1, dict(type='CheckSegLabels', num_classes=num_classes))
    return edited
