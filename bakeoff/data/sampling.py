"""The training sample the ML rungs fit on when the training part is larger than the box allows.

``[ladder] train_sample`` rows (default 100,000; 0: all rows) are drawn once per run,
seeded from the experiment seed, stratified by the target (its classes for binary
targets; zero and the quintiles of the non-zero values otherwise, which keeps the
zero-inflated customer targets' mix), in proportion to each stratum's size. Candidates
from rung ``[ladder] sample_from_rung`` up (default 3: trees and boosting) receive it;
the cheaper rungs see every row. Every candidate predicts the whole holdout.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from bakeoff.core.seeds import derive_seed
from bakeoff.data.frame import Frame

QUINTILES = 5


def strata(actual: np.ndarray, task: str) -> np.ndarray:
    """Stratum label per training row (see module docstring)."""
    if task == "binary":
        return (actual > 0.5).astype(np.int64)
    labels = np.zeros(len(actual), dtype=np.int64)
    nonzero = actual != 0
    if nonzero.sum() >= QUINTILES:
        cuts = np.quantile(actual[nonzero], np.linspace(0, 1, QUINTILES + 1)[1:-1])
        labels[nonzero] = 1 + np.searchsorted(cuts, actual[nonzero], side="right")
    else:
        labels[nonzero] = 1
    return labels


def stratified_indices(labels: np.ndarray, count: int, seed: int) -> np.ndarray:
    """``n`` row positions drawn without replacement, each stratum in proportion (largest remainder), sorted."""
    values, counts = np.unique(labels, return_counts=True)
    exact = counts * count / len(labels)
    take = np.floor(exact).astype(np.int64)
    short = count - int(take.sum())
    take[np.argsort(-(exact - take), kind="stable")[:short]] += 1
    rng = np.random.default_rng(seed)
    picked = [rng.choice(np.flatnonzero(labels == v), size=k, replace=False)
              for v, k in zip(values, take, strict=True) if k > 0]
    return np.sort(np.concatenate(picked))


def sample_train(frame: Frame, count: int, experiment_seed: int) -> Frame:
    """The frame with ``n`` training rows (stratified, seeded); unchanged when it has ``n`` or fewer."""
    if count <= 0 or len(frame.train) <= count:
        return frame
    y = frame.y_train.to_numpy(float)
    idx = stratified_indices(strata(y, frame.problem.task), count, derive_seed(experiment_seed, "train_sample"))
    when = frame.train_time[idx] if frame.train_time is not None else None
    return dataclasses.replace(frame, train=frame.train.iloc[idx], train_time=when)
