"""The label-noise measure of the hotline benchmark (the quality figures need ../shared and run as a bench)."""

import numpy as np

from yiwang.bench.hotline import twin_agreement


def _unit(*rows: list[float]) -> np.ndarray:
    matrix = np.array(rows, dtype=float)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_twins_are_the_nearest_training_text_above_the_threshold_and_agreement_is_their_label_share() -> None:
    train = _unit([1, 0, 0], [0, 1, 0], [0, 0, 1])
    test = _unit([1, 0.01, 0], [0, 1, 0.01], [1, 1, 1])  # two near twins, one unlike any training text
    twins, agreement = twin_agreement(train, ["劳动局", "警察局", "文化局"], test, ["劳动局", "交通局", "文化局"], 0.98)
    assert twins == 2
    assert agreement == 0.5  # the second twin is filed under another unit


def test_no_twins_gives_no_agreement() -> None:
    assert twin_agreement(_unit([1, 0]), ["a"], _unit([0, 1]), ["a"], 0.98) == (0, None)
