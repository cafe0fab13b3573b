"""Inner validation on the training rows: what ``[value]`` picks its decision threshold on.

The worker fits a fresh instance (or a tuner's :meth:`validation_twin`, read through
:meth:`bakeoff.candidates.contract.Capabilities.validation_build`) on 70% of the training rows and
predicts the other 30%; the holdout's targets are never used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from bakeoff.candidates.contract import Budget
from bakeoff.data.frame import Frame

VALIDATION_SHARE = 0.3


def validation_predictions(build: Callable[[], Any], frame: Frame, budget: Budget, seed: int,
                           scale: Callable[[np.ndarray], np.ndarray], needs_s: float = 0.0) -> dict[str, list[float]]:
    """Inner validation on the training rows only: fit a fresh instance on 70%, predict the other 30%.

    Returns the validation targets ``y`` and predictions ``p`` (passed through ``scale``, the
    same horizon scaling as the holdout predictions), or ``{}`` when the candidate cannot do it
    or the box is nearly spent: less than a second left, or less than ``needs_s`` (what a fit that does not
    watch the box, such as a tuner's twin, is expected to take). The holdout's targets are not in ``frame``
    and never used.
    """
    n = len(frame.train)
    if n < 10 or budget.remaining() < max(1.0, needs_s):
        return {}
    rng = np.random.default_rng([seed, 0x7A1])
    val = rng.random(n) < VALIDATION_SHARE
    stamps = frame.train_time[~val] if frame.train_time is not None else None
    target = frame.problem.target
    part = dataclasses.replace(frame, train=frame.train[~val], train_time=stamps,
                               holdout=frame.train[val].drop(columns=[target]))
    try:
        cand = build().fit(part, budget=Budget(budget.deadline, budget.threads), seed=seed)
        raw = cand.predict(part)
        p = np.asarray(raw.reindex(part.holdout.index) if isinstance(raw, pd.Series) else raw, dtype=float).ravel()
    except Exception:  # noqa: BLE001 - the value policy then falls back to the payoff threshold
        return {}
    return {"y": frame.train.loc[val, target].astype(float).tolist(), "p": scale(p).tolist()}
