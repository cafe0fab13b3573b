"""Time a fitted candidate at several sizes so that a fixed cost per call can be told from a cost per row.

Runs inside the worker, after the candidate's own fit and predict. Prediction is timed on
a tenth of the holdout rows, on the holdout itself (the figure the table already shows)
and, when that is cheap, on the holdout repeated until it holds about
``LARGE_ROWS`` rows. Fitting is timed again on a quarter of the training rows, on all of
them and, when cheap, on them repeated four times (fresh instances, after the first fit
paid for imports) when the first fit was short enough to repeat inside the candidate's box.
:func:`bakeoff.cost.fixed_and_marginal` turns the points into a fixed cost per call and a marginal cost per row.

A probe that fails (a candidate that cannot predict on a subset, a box about to run out)
is simply left out: the cost model then falls back to "every second scales with rows".
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bakeoff.candidate import Budget
from bakeoff.frame import Frame
from bakeoff.measure import Stopwatch

LARGE_ROWS = 20_000
MAX_REPEAT = 16
PREDICT_PROBE_S = 3.0
FIT_PROBE_S = 15.0
SMALL_SHARE = 10
FIT_SHARE = 4
FIT_REPEAT = 4
FIT_REPEAT_S = 2.0

Points = list[tuple[int, float]]


def billed(sw: Stopwatch, threads: int = 1) -> float:
    """Seconds billed for a timed block: a core is paid while held, so ``max(CPU, wall x threads)``."""
    return max(sw.cpu, sw.wall * threads)


def fastest(call: Callable[[], Any], meter: Callable[[Callable[[], Any]], float] | None = None, *,
            spend: float = 0.5) -> float:
    """Billed seconds of ``call``: the fastest of up to 5 runs within ``spend`` seconds, like timeit."""
    meter = meter or stopwatch
    best, started = math.inf, time.perf_counter()
    for _ in range(5):
        best = min(best, meter(call))
        if time.perf_counter() - started > spend:
            break
    return best


def stopwatch(call: Callable[[], Any]) -> float:
    """Billed seconds of a Python call."""
    with Stopwatch() as sw:
        call()
    return billed(sw)


def warehouse(cand: Any) -> bool:
    """True for a candidate production runs as warehouse queries that counts its query seconds (SQL rules)."""
    return bool(getattr(cand, "in_warehouse", False)) and hasattr(cand, "query_s_")


def query_meter(cand: Any) -> Callable[[Callable[[], Any]], float]:
    """Billed seconds of the warehouse queries a call runs (no DuckDB start-up, no copying tables in)."""
    def meter(call: Callable[[], Any]) -> float:
        before = cand.query_s_
        call()
        return cand.query_s_ - before
    return meter


def with_rows(frame: Frame, part: str, rows: pd.DataFrame, stamps: np.ndarray | None = None) -> Frame:
    """A copy of ``frame`` whose train or holdout part is ``rows``."""
    if part == "holdout":
        return dataclasses.replace(frame, holdout=rows)
    return dataclasses.replace(frame, train=rows, train_time=stamps)


def repeated(holdout: pd.DataFrame, times: int) -> pd.DataFrame:
    """The holdout stacked ``times`` times under fresh unique keys (the same index name)."""
    big = pd.concat([holdout] * times)
    big.index = pd.RangeIndex(len(big), name=holdout.index.name)
    return big


def predict_points(cand: Any, frame: Frame, full_s: float, budget: Budget) -> Points:
    """(rows, billed seconds) of predict calls at up to three sizes; ``full_s`` times the holdout.

    A warehouse candidate is billed for its queries alone (:func:`query_meter`).
    """
    n = len(frame.holdout)
    meter = query_meter(cand) if warehouse(cand) else stopwatch
    points: Points = [(n, fastest(lambda: cand.predict(frame), meter) if warehouse(cand) else full_s)]
    if n >= 2 * SMALL_SHARE:
        small = frame.holdout.iloc[::SMALL_SHARE]
        _try(points, len(small), lambda: cand.predict(with_rows(frame, "holdout", small)), budget, full_s, meter)
    times = min(MAX_REPEAT, math.ceil(LARGE_ROWS / max(n, 1)), int(PREDICT_PROBE_S / max(full_s, 1e-9)))
    if times >= 2 and full_s * times <= budget.remaining() / 4:
        big = repeated(frame.holdout, times)
        _try(points, len(big), lambda: cand.predict(with_rows(frame, "holdout", big)), budget, full_s * times,
             meter)
    return sorted(points)


def fit_points(build: Callable[[], Any], frame: Frame, fit_s: float, budget: Budget, seed: int,
               threads: int = 1, main: tuple[int, float] | None = None) -> Points:
    """(training rows, billed seconds) of more fits, or ``[]`` when the first was too long to repeat.

    Fits on a quarter of the training rows and on all of them; a fit short enough
    (``FIT_REPEAT_S``) is also timed on the training rows repeated ``FIT_REPEAT`` times, where a
    per-row cost hidden by overheads at small sizes shows. Each probe fit gets its own box
    of ``2 x expected + 1`` seconds; one that uses most of it was stopped by its box (a
    time-boxed tuner), not by its rows, and the probe is discarded.
    The box is never smaller than the first fit's: fixed costs do not shrink with rows.
    ``main`` is a clean (rows, seconds) point of the first fit when it has one (a warehouse
    candidate's query seconds carry no import cost), so the full size is not fitted again.
    """
    n = len(frame.train)
    sizes = [max(1, n // FIT_SHARE)] + ([] if main else [n]) + ([FIT_REPEAT * n] if fit_s <= FIT_REPEAT_S else [])
    expected = fit_s * sum(max(1.0, rows / n) for rows in sizes)
    if n < 4 * FIT_SHARE or fit_s > FIT_PROBE_S or 2 * expected + 2 > budget.remaining() / 2:
        return [main] if main else []
    rng = np.random.default_rng([seed, 0xF17])
    points: Points = [main] if main else []
    for rows in sizes:
        take = np.sort(rng.choice(n, size=rows, replace=False)) if rows < n else np.arange(rows) % n
        train = frame.train.iloc[take]
        if rows > n:
            train.index = pd.RangeIndex(rows, name=frame.train.index.name)
        stamps = frame.train_time[take] if frame.train_time is not None else None
        box = 2 * fit_s * max(1.0, rows / n) + 1.0
        try:
            with Stopwatch() as sw:
                part = with_rows(frame, "train", train, stamps)
                inst = build().fit(part, budget=Budget.of(box, threads), seed=seed)
        except Exception:  # noqa: BLE001 - a candidate that cannot fit a subsample keeps the linear model
            break
        if sw.wall > 0.8 * box:
            break
        points.append((rows, inst.fit_query_s_ if warehouse(inst) else billed(sw, threads)))
    return sorted(points) if len(points) >= 2 or main else []


def _try(points: Points, rows: int, call: Callable[[], Any], budget: Budget, guess: float,
         meter: Callable[[Callable[[], Any]], float]) -> None:
    if budget.remaining() < 2 * guess + 0.5:
        return
    try:
        points.append((rows, fastest(call, meter)))
    except Exception:  # noqa: BLE001 - a candidate that cannot predict on a subset keeps the linear model
        return


@dataclass(frozen=True)
class Probed:
    """What the cost model reads: predict and fit points, and whether it is costed as a warehouse query."""

    points_predict: list[list[float]]
    points_fit: list[list[float]]
    warehouse: bool


def probe(build: Callable[[], Any], cand: Any, frame: Frame, *, fit_s: float, predict_s: float, budget: Budget,
          seed: int, threads: int = 1) -> Probed:
    """Time predict and fit at several sizes (see the module docstring)."""
    pred = predict_points(cand, frame, predict_s, budget)
    main = (len(frame.train), cand.fit_query_s_) if warehouse(cand) else None
    fit = fit_points(build, frame, fit_s, budget, seed, threads, main)
    return Probed([list(p) for p in pred], [list(p) for p in fit], bool(getattr(cand, "in_warehouse", False)))


VALIDATION_SHARE = 0.3


def validation_predictions(build: Callable[[], Any], frame: Frame, budget: Budget, seed: int,
                           scale: Callable[[np.ndarray], np.ndarray]) -> dict[str, list[float]]:
    """Inner validation on the training rows only: fit a fresh instance on 70%, predict the other 30%.

    Returns the validation targets ``y`` and predictions ``p`` (passed through ``scale``, the
    same horizon scaling as the holdout predictions), or ``{}`` when the candidate cannot do it
    or the box is nearly spent. The holdout's targets are not in ``frame`` and never used.
    """
    n = len(frame.train)
    if n < 10 or budget.remaining() < 1.0:
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
