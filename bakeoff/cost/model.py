"""Dollars from CPU-seconds under the user's price and scale model (``[cost]``).

The model, stated in the report (:data:`ASSUMPTION`): billed seconds are CPU seconds (a
candidate holding several threads pays at least ``wall x threads``;
:func:`bakeoff.core.measure.billed`). Each of fit and predict costs ``fixed + per_row x rows``
seconds per call; the two parts are measured by timing the call at sizes grown until the
per-row part shows (:mod:`bakeoff.cost.probe`) and projected separately: a retrain costs ``fixed +
per_row x rows_in_production``; a month of scoring costs ``prediction_calls_per_month x fixed +
predictions_per_month x per_row``. Candidates that run inside the warehouse (SQL rules) are
costed as queries: only the seconds of the queries themselves are timed (not starting DuckDB
and copying the frame into it, which a warehouse that already holds the tables does not pay),
and only their marginal per-row part is billed. Without two sizes (a fit too long to repeat)
every second is taken as per-row, the conservative reading. ``[cost] upkeep_usd_per_month`` (by
family or rung) adds the monthly cost of keeping a candidate in production to its monthly dollars,
so every comparison of cost (flags, the choice, net value) weighs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bakeoff.config.experiment import CostSection
from bakeoff.core.records import Cost, Row
from bakeoff.cost.probe import PER_ROW_RATIO

ASSUMPTION = ("billed seconds = CPU seconds (at least wall x threads for a candidate holding several "
              "threads; wall time stretched by other candidates sharing the cores is not billed); fit and "
              "predict are each timed on data grown four-fold until the per-row part shows, and split into a "
              "fixed cost per call and a marginal cost per row; a retrain costs "
              "fixed + per-row x rows_in_production, a month of scoring costs prediction_calls_per_month x fixed "
              "+ predictions_per_month x per-row; SQL rules are costed as warehouse queries (the "
              "queries' own seconds, per-row part only: no DuckDB start-up, no copying tables in); a fit too "
              "long to time twice is taken as all per-row; the probes of one candidate spend at most max(1 s, 10% "
              "of its fit + predict), and a figure whose per-row part never showed is marked † estimated")


@dataclass(frozen=True)
class Timing:
    """Seconds per call of one operation: ``fixed_s + per_row_s x rows``; ``measured``: from two sizes.

    ``small``: measured, but the per-row part never showed (the largest size's seconds under
    :data:`bakeoff.cost.probe.PER_ROW_RATIO` times the next size's): the split extrapolates from small data.
    Not when the largest size billed nothing at all: there is no figure to extrapolate.
    """

    fixed_s: float
    per_row_s: float
    measured: bool = False
    small: bool = False

    def at(self, rows: float, *, warehouse: bool = False) -> float:
        """Billed seconds of one call on ``rows`` rows (a warehouse query pays no fixed part)."""
        return (0.0 if warehouse else self.fixed_s) + self.per_row_s * rows


def fixed_and_marginal(points: Sequence[Sequence[float]]) -> Timing:
    """Split (rows, seconds) points into ``seconds = fixed + per_row x rows``, both parts non-negative.

    The per-row part is the slope between the **two largest sizes**: the marginal cost where
    it was measured nearest production sizes (:mod:`bakeoff.cost.probe` grows the data until the
    per-row part shows there). The fixed part is the largest intercept under every point.
    Times are often not a straight line over the sizes (a boosted model's hundred rounds are
    fixed cost on a few thousand rows, then per-row work takes over); a least-squares line
    through all sizes let the many small, fixed-dominated points pull the slope to zero. With
    one point, or points at a single size, every second is taken as per-row (``fixed = 0``).
    """
    pts = np.array([(float(r), float(s)) for r, s in points if r > 0 and s >= 0], dtype=float).reshape(-1, 2)
    if len(pts) == 0:
        return Timing(0.0, 0.0)
    sizes = np.unique(pts[:, 0])
    secs = np.array([pts[pts[:, 0] == r, 1].min() for r in sizes])  # the fastest of repeated sizes
    if len(sizes) < 2:
        return Timing(0.0, float(secs[0] / sizes[0]))
    per_row = max(0.0, float((secs[-1] - secs[-2]) / (sizes[-1] - sizes[-2])))
    fixed = max(0.0, float(np.min(secs - per_row * sizes)))
    return Timing(fixed, per_row, True, small=bool(0 < secs[-1] < PER_ROW_RATIO * secs[-2]))


def project(fit: Timing, predict: Timing, cost: CostSection, *, n_train: int, warehouse: bool = False) -> Cost:
    """Dollars per retrain, per million predictions (one call) and per month.

    Args:
        fit: Billed seconds of one fit as fixed + per training row.
        predict: Billed seconds of one predict call as fixed + per row.
        cost: The ``[cost]`` section.
        n_train: Training rows measured (the production size when ``rows_in_production`` is unset).
        warehouse: Costed as warehouse queries: fixed parts are not billed.
    """
    per_second = cost.usd_per_cpu_hour / 3600.0
    train_rows = cost.rows_in_production or n_train
    train_s = fit.at(train_rows, warehouse=warehouse)
    calls = min(cost.prediction_calls_per_month, cost.predictions_per_month) if cost.predictions_per_month else 0
    predict_month_s = calls * predict.at(0, warehouse=warehouse) + cost.predictions_per_month * predict.per_row_s
    return Cost(train_usd=train_s * per_second,
                per_million_predictions_usd=predict.at(1e6, warehouse=warehouse) * per_second,
                monthly_usd=(cost.retrains_per_month * train_s + predict_month_s) * per_second,
                train_cpu_s_scaled=train_s, predict_fixed_ms=0.0 if warehouse else 1000.0 * predict.fixed_s,
                predict_ms_per_1k_marginal=1e6 * predict.per_row_s, fit_fixed_s=0.0 if warehouse else fit.fixed_s,
                fit_s_per_1k_rows=1000.0 * fit.per_row_s)


def timings(row: Row, n_train: int, n_holdout: int) -> tuple[Timing, Timing]:
    """The fit and predict :class:`Timing` of an OK row, from its probe points when it has them."""
    threads = row.threads or 1
    fit_s = max(row.fit_cpu_s or 0.0, (row.fit_s or 0.0) * threads if threads > 1 or row.fit_cpu_s is None else 0.0,
                1e-6)
    pred_s = max(row.predict_cpu_s or 0.0, (row.predict_s or 0.0) if row.predict_cpu_s is None else 0.0, 1e-9)
    return (fixed_and_marginal(row.fit_points or [(n_train, fit_s)]),
            fixed_and_marginal(row.predict_points or [(n_holdout, pred_s)]))


def cost_of(row: Row, cost: CostSection, n_train: int, n_holdout: int) -> Cost:
    """Dollars of one OK row (retrain, a million predictions, a month, upkeep) and its fixed / marginal split.

    ``estimated`` is set where the split extrapolates from small data (:attr:`Timing.small`). No bound is
    read from those sizes either: a model can change regime beyond them (``hist_gbm`` on CDNOW purchases took
    0.09 s at 2,357 rows and 2.8 s at 9,428), so every such figure is marked; so is one whose largest fit
    point is a probe cut at its allowance (``fit_censored``: a lower bound).
    """
    fit, predict = timings(row, n_train, n_holdout)
    out = project(fit, predict, cost, n_train=n_train, warehouse=bool(row.in_warehouse))
    if fit.small or predict.small or row.fit_censored:
        out = replace(out, estimated=True)
    upkeep = upkeep_of(row, cost)
    return replace(out, monthly_usd=out.monthly_usd + upkeep, upkeep_usd=upkeep) if upkeep else out


def upkeep_text(cost: CostSection) -> str:
    """The upkeep in words for the report's cost model (empty when none is set)."""
    if not cost.upkeep_usd_per_month:
        return ""
    parts = ", ".join(f"{'rung ' + k if k.isdigit() else k} ${v:,.0f}" for k, v in cost.upkeep_usd_per_month.items())
    return (f" Upkeep a month ([cost] upkeep_usd_per_month), added to each candidate's monthly cost: {parts}; "
            "other candidates $0.")


def upkeep_of(row: Row, cost: CostSection) -> float:
    """``[cost] upkeep_usd_per_month`` of the row: by its family, else by its rung, else 0.

    A champion row is looked up by its rung (the rung of the model it wraps).
    """
    table = cost.upkeep_usd_per_month
    if row.family in table and row.family != "champion":
        return float(table[row.family])
    return float(table.get(str(row.rung), 0.0))
