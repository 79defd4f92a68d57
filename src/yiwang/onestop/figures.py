"""四个减 arithmetic: the average of what applications actually took against the separate-item baseline.

Pure. :func:`saving_figure` turns a baseline and the per-application values into baseline, actual average and the
percentage saved; :func:`count_steps` counts the handling steps (环节) of one application's timeline the way the
applicant experiences them (秒批 is one step however many rules ran).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from yiwang.onestop.schemas import SavingFigure

STEP_ACTIONS = frozenset(
    {"submit", "resubmit", "accept", "approve", "reject", "request_correction", "instant_approve", "instant_review"}
)
"""Timeline actions that are steps of handling (环节) as the applicant experiences them."""
INSTANT_ACTIONS = frozenset({"instant_approve", "instant_review"})


def saving_figure(baseline: float, values: Iterable[float]) -> SavingFigure:
    """Baseline, the average actual value, and the reduction in percent (0 without data or baseline).

    Examples:
        >>> saving_figure(4, [1, 2]).reduction_percent
        62.5
    """
    data = list(values)
    actual = sum(data) / len(data) if data else 0.0
    reduction = (baseline - actual) / baseline * 100 if baseline > 0 and data else 0.0
    return SavingFigure(baseline=round(baseline, 2), actual=round(actual, 2), reduction_percent=round(reduction, 1))


def count_steps(action_counts: Mapping[str, int]) -> int:
    """Handling steps of one application from its timeline's ``action → count``; 秒批 counts once."""
    return sum(
        (1 if action in INSTANT_ACTIONS else count)
        for action, count in action_counts.items()
        if action in STEP_ACTIONS and count > 0
    )
