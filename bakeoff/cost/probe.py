"""Time a fitted candidate at several sizes so that a fixed cost per call can be told from a cost per row.

Runs inside the worker, after the candidate's own fit and predict. The cost model projects
the measured seconds to production sizes (a million rows and more), so the per-row part
must be measured where it shows: at the sizes of a small holdout a fit or a query is mostly
fixed cost (start-up, planning, a hundred boosting rounds on a few bins), and a per-row cost
read from there is timing noise multiplied by a million.

So each operation is timed on its data **grown four-fold at a time** (the rows repeated
under fresh keys) until the time has grown at least :data:`PER_ROW_RATIO`-fold over the
previous size, which means the per-row part is at least the fixed part at the previous size
and twice it at the last, so the slope is read from seconds that are mostly per-row work; growth also stops at
:data:`MAX_ROWS` rows (:data:`MAX_CELLS` cells) or when the next size would overrun the
probe's allowance (:data:`FIT_ALLOWANCE_S`, :data:`PREDICT_ALLOWANCE_S`, and a quarter
of what is left of the candidate's box). Prediction starts from a tenth of the holdout
and the holdout itself (the figure the table shows); fitting from a quarter of the
training rows and all of them (fresh instances, after the first fit paid for imports). A
time-boxed tuner (``fills_box``) is not fitted again: its fit time is set by its box, not by
its rows. :func:`bakeoff.cost.model.fixed_and_marginal` turns the points into a fixed cost per
call and a marginal cost per row.

Seconds are **CPU seconds** of the worker and its children (:func:`bakeoff.core.measure.billed`): the bake-off
runs candidates side by side, and the wall time of one is stretched by the others waiting
for the same cores, which production, running one model at a time, does not pay. A
candidate that holds several threads is billed at least ``wall x threads``.

All probes of one candidate share an **allowance** (:class:`Allowance`): ``max(1 s, 10%`` of the
candidate's own fit + predict) of CPU, so the probes never make a small example slow. Every fresh
probe fit runs boxed by what is left of it (:func:`boxed`). When the two fresh fits (a quarter
and all of the training rows) do not fit the allowance, one fit on a sixteenth of the rows is
timed against the candidate's own fit (:func:`small_fit`). A fit cut by the allowance beyond
the sizes timed adds its rows and seconds so far, a lower bound (``fit_censored``). Where growth stops before the
per-row part shows, the cost model extrapolates from the sizes timed and the table marks the
figure "estimated (small data)" (:func:`bakeoff.cost.model.fixed_and_marginal`).

A probe that fails (a candidate that cannot predict on a subset, a box about to run out)
is simply left out: the cost model then falls back to "every second scales with rows".
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bakeoff.candidates.contract import Budget, Capabilities
from bakeoff.core.measure import Stopwatch, billed
from bakeoff.cost.allowance import Allowance, ProbeCut, boxed
from bakeoff.data.frame import Frame

GROWTH = 4
PER_ROW_RATIO = 2.0
PLATEAU = 1.25  # a size under 1.25x the previous one's time: still fixed cost, so the next step is 16x
MAX_ROWS = 1_000_000
MAX_CELLS = 20_000_000
PREDICT_ALLOWANCE_S = 0.5
FIT_ALLOWANCE_S = 3.0
FIT_PROBE_S = 15.0
SMALL_SHARE = 10
FIT_SHARE = 4
SMALL_FIT_SHARE = 16
SMALL_FIT_ROWS = 32  # no smaller fit than this: below it a fit times its set-up alone

Points = list[tuple[int, float]]


def fastest(call: Callable[[], Any], meter: Callable[[Callable[[], Any]], float] | None = None, *,
            spend: float = 0.2) -> float:
    """Billed seconds of ``call``: the fastest of up to 3 runs within ``spend`` seconds, like timeit."""
    meter = meter or stopwatch
    best, started = math.inf, time.perf_counter()
    for _ in range(3):
        best = min(best, meter(call))
        if time.perf_counter() - started > spend:
            break
    return best


def stopwatch(call: Callable[[], Any]) -> float:
    """Billed seconds of a Python call."""
    with Stopwatch() as sw:
        call()
    return billed(sw)


@dataclass(frozen=True)
class Timed:
    """Sizes already timed: (rows, wall seconds), copying the data included, and their billed seconds."""

    walls: Points
    billed: list[float] = field(default_factory=list)


def grow(measure: Callable[[int], float | None], rows: int, secs: float, *, cap_rows: int,
         allowance_s: float, timed: Timed | None = None) -> Points:
    """Time an operation at ``rows x 4, x 16, ...`` until its per-row part shows.

    On a fixed-cost plateau (a size under :data:`PLATEAU` times the previous one's seconds) the
    next step is ``GROWTH**2``: the per-row part is still far below the fixed part, and small
    steps there would spend the allowance on sizes whose slope is timing noise.

    Args:
        measure: Billed seconds of the operation on that many rows, or ``None`` if it failed.
        rows: The largest size already timed, and ``secs`` its seconds.
        cap_rows: No size beyond this.
        allowance_s: Wall seconds the new sizes may take together, copying the data included (a
            next size is tried only if its expected wall time, :func:`next_wall`, still fits).
        timed: Sizes already timed, if known (they seed :func:`next_wall`).

    Returns:
        The new (rows, seconds) points; growth stops after the first size whose time is
        ``PER_ROW_RATIO`` times the previous one's (per-row work there at least twice the fixed
        part; confirmed by a second run where the allowance leaves room, the faster one kept, since
        a single slow run on a fixed-cost plateau would otherwise end growth and set the slope),
        or after a second size with no billed seconds at all.
    """
    points: Points = []
    started = time.perf_counter()
    walls = list(timed.walls) if timed else []  # (rows, wall seconds), copying the grown data included
    factor, billed_s = GROWTH, list(timed.billed if timed else []) + [max(secs, 0.0)]  # the last is the last size's
    expected = next_wall(walls, billed_s, factor) if walls else GROWTH * max(secs, 0.0)
    while rows * factor <= cap_rows and time.perf_counter() - started + expected <= allowance_s:
        size, step = rows * factor, time.perf_counter()
        took = measure(size)
        walls.append((size, max(time.perf_counter() - step, took or 0.0)))
        if took is None:
            break
        shown = took >= PER_ROW_RATIO * secs and took > 0
        if shown and time.perf_counter() - started + walls[-1][1] <= allowance_s:
            again = measure(size)  # one slow outlier must not end growth on a fixed-cost plateau
            took = min(took, again) if again is not None else took
            shown = took >= PER_ROW_RATIO * secs
        points.append((size, took))
        billed_s.append(took)
        nothing = took <= 0 and secs <= 0  # no billed work at two sizes (a rule whose fit runs no query)
        plateau = took < PLATEAU * secs
        rows, secs = size, took
        if shown or nothing:
            break
        factor = GROWTH**2 if plateau and rows * GROWTH**2 <= cap_rows else GROWTH
        expected = next_wall(walls, billed_s, factor)
    return points


def next_wall(walls: Points, billed_s: list[float], factor: int = GROWTH) -> float:
    """Expected wall seconds of the next size (``factor`` times the last) from the sizes so far.

    The last size's wall plus twice its billed seconds above the smallest billed seconds seen
    (which stand for the fixed part), scaled to the ``factor - 1`` times as many rows added:
    ``w_last + 2 (factor - 1) (s_last - s_min)``. With one size, ``factor x w``. An operation
    that is still mostly fixed cost (a rule's grid of queries, a hundred boosting rounds) thus
    keeps growing toward the size where its per-row part shows, instead of stopping because its
    fixed part looks like it would grow ``factor``-fold. Billed (CPU) seconds rather than wall
    differences: the wall of a small call carries start-up and scheduling noise that a
    ``factor``-fold extrapolation would blow up, while its CPU seconds barely move.
    """
    last = walls[-1][1]
    if len(walls) < 2 or not billed_s:
        return factor * last
    return last + 2.0 * (factor - 1) * max(0.0, billed_s[-1] - min(billed_s))


def cap(frame_part: pd.DataFrame) -> int:
    """The largest probe size for a part of the frame: ``MAX_ROWS`` rows and ``MAX_CELLS`` cells."""
    return min(MAX_ROWS, MAX_CELLS // max(1, frame_part.shape[1]))


def warehouse(cand: Any) -> bool:
    """True for a candidate production runs as warehouse queries that counts its query seconds (SQL rules)."""
    return Capabilities.of(cand).warehouse_timed


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


def predict_points(cand: Any, frame: Frame, full_s: float, budget: Budget,
                   allowance: Allowance | None = None) -> Points:
    """(rows, billed seconds) of predict calls: a tenth of the holdout, the holdout, then grown (:func:`grow`).

    ``full_s`` times the holdout; a warehouse candidate is billed for its queries alone
    (:func:`query_meter`). Growth stops within what is left of ``allowance``.
    """
    allowance = allowance or Allowance(math.inf)
    n = len(frame.holdout)
    meter = query_meter(cand) if warehouse(cand) else stopwatch
    points: Points = [(n, fastest(lambda: cand.predict(frame), meter) if warehouse(cand) else full_s)]
    if n >= 2 * SMALL_SHARE:
        small = frame.holdout.iloc[::SMALL_SHARE]
        _try(points, len(small), lambda: cand.predict(with_rows(frame, "holdout", small)), budget, full_s, meter)

    def measure(rows: int) -> float | None:
        big = repeated(frame.holdout, math.ceil(rows / max(n, 1))).iloc[:rows]
        before = len(points)
        _try(points, rows, lambda: cand.predict(with_rows(frame, "holdout", big)), budget,
             full_s * rows / max(n, 1), meter)
        return points.pop()[1] if len(points) > before else None

    room = min(PREDICT_ALLOWANCE_S, budget.remaining() / 4, allowance.left())
    grown = grow(measure, n, points[0][1], cap_rows=cap(frame.holdout), allowance_s=room) if n else []
    return sorted(points + grown)


@dataclass(frozen=True)
class Fitting:
    """How fresh instances of a candidate are fitted for timing: the builder, the box, the seed, the threads."""

    build: Callable[[], Any]
    budget: Budget
    seed: int
    threads: int = 1


def fit_points(fitting: Fitting, frame: Frame, fit_s: float, main: tuple[int, float] | None = None,
               allowance: Allowance | None = None, cuts: Points | None = None) -> Points:
    """(training rows, billed seconds) of more fits, or ``[]`` when the first was too long to repeat.

    Fits fresh instances on a quarter of the training rows and on all of them, then on
    the rows repeated (:func:`grow`) while the allowance lasts; the two fresh fits' wall times
    seed how far growth can go (:func:`next_wall`). ``main`` is a clean (rows, seconds) point of
    the first fit when it has one (a warehouse candidate's query seconds carry no import cost),
    and stands for the full size in the points. When the two fresh fits would not fit what is left
    of ``allowance``, one smaller fit is timed instead (:func:`small_fit`).
    """
    n, budget = len(frame.train), fitting.budget
    allowance = allowance or Allowance(math.inf)
    room = budget.remaining() / 4
    if n < 4 * FIT_SHARE or fit_s > FIT_PROBE_S or 1.25 * fit_s + 1 > room:
        return [main] if main else []
    measure = _fit_meter(fitting, frame, allowance, cuts)
    if 1.25 * fit_s > allowance.left():
        return small_fit(measure, n, fit_s, main)
    points: Points = [main] if main else []
    walls: Points = []  # both sizes are fitted for their wall times, which set how far growth can go
    for rows in (max(1, n // FIT_SHARE), n):
        started = time.perf_counter()
        took = measure(rows)
        if took is None:
            return sorted(points) if main else []
        walls.append((rows, time.perf_counter() - started))
        if not (main and rows == n):
            points.append((rows, took))
    full = max(points, key=lambda p: p[0])
    grow_s = min(FIT_ALLOWANCE_S, room - 1.25 * fit_s, allowance.left())
    return sorted(points + grow(measure, full[0], full[1], cap_rows=cap(frame.train), allowance_s=grow_s,
                                timed=Timed(walls, [p[1] for p in points])))


def small_fit(measure: Callable[[int], float | None], train_rows: int, fit_s: float,
              main: tuple[int, float] | None) -> Points:
    """One fresh fit on a sixteenth of the training rows, against the candidate's own fit at all of them.

    For a fit too long to repeat twice within the allowance: two sizes still split fixed from
    per-row seconds (the own fit may carry first-call costs, which only raises the per-row part).
    Without room for even that fit, the points are the own fit alone (all per-row).
    """
    rows = train_rows // SMALL_FIT_SHARE
    took = measure(rows) if rows >= SMALL_FIT_ROWS else None
    if took is None:
        return [main] if main else []
    return sorted([(rows, took), main or (train_rows, fit_s)])


def _fit_meter(fitting: Fitting, frame: Frame, allowance: Allowance,
               cuts: Points | None = None) -> Callable[[int], float | None]:
    """Billed seconds of a fresh fit on that many training rows (sampled, or repeated under fresh keys),
    boxed by what is left of the allowance; None when it failed or was cut (a cut's rows and billed seconds
    so far go to ``cuts``: a lower bound on that size's time)."""
    n, budget, seed, threads = len(frame.train), fitting.budget, fitting.seed, fitting.threads
    rng = np.random.default_rng([seed, 0xF17])

    def measure(rows: int) -> float | None:
        take = np.sort(rng.choice(n, size=rows, replace=False)) if rows < n else np.arange(rows) % n
        train = frame.train.iloc[take]
        if rows > n:
            train.index = pd.RangeIndex(rows, name=frame.train.index.name)
        stamps = frame.train_time[take] if frame.train_time is not None else None
        sw = Stopwatch()
        try:
            with boxed(allowance.left()), sw:
                part = with_rows(frame, "train", train, stamps)
                inst = fitting.build().fit(part, budget=Budget.of(max(1.0, budget.remaining() / 2), threads),
                                           seed=seed)
        except ProbeCut as cut:
            if cuts is not None and cut.on_cpu and sw.wall > 0:  # a wall-clock cut waited: its CPU bounds nothing
                cuts.append((rows, billed(sw, threads)))
            return None
        except Exception:  # noqa: BLE001 - a candidate that cannot fit a subsample keeps the linear model
            return None
        return inst.fit_query_s_ if warehouse(inst) else billed(sw, threads)

    return measure


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
    fit_censored: bool = False


def probe(fitting: Fitting, cand: Any, frame: Frame, *, fit_s: float, predict_s: float) -> Probed:
    """Time predict and fit at several sizes (see the module docstring)."""
    allowance = Allowance.of(fit_s, predict_s)
    pred = predict_points(cand, frame, predict_s, fitting.budget, allowance)
    main = (len(frame.train), cand.fit_query_s_) if warehouse(cand) else None
    able = Capabilities.of(cand)
    cuts: Points = []
    fit = [] if able.fills_box else fit_points(fitting, frame, fit_s, main, allowance, cuts)
    largest = max(fit, default=(0, 0.0))
    beyond = [c for c in cuts if c[0] > largest[0] and c[1] > largest[1]]
    if fit and beyond:  # cut at the allowance past the sizes timed: its seconds so far bound that size's time
        # (kept only where it raises the slope: a lower bound may never lower the per-row cost)
        fit = sorted([*fit, max(beyond)])
    return Probed([list(p) for p in pred], [list(p) for p in fit], able.in_warehouse, bool(fit and beyond))
