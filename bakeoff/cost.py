"""Dollars from CPU-seconds under the user's price and scale model (``[cost]``).

The model, stated in the report (:data:`ASSUMPTION`): a core is billed while held, so billed
seconds are ``max(CPU, wall x threads)``. Each of fit and predict costs ``fixed + per_row x rows``
seconds per call; the two parts are measured by timing the call at two or more sizes
(:mod:`bakeoff.probe`) and projected separately: a retrain costs ``fixed + per_row x
rows_in_production``; a month of scoring costs ``prediction_calls_per_month x fixed +
predictions_per_month x per_row``. Candidates that run inside the warehouse (SQL rules) are
costed as queries: only the seconds of the queries themselves are timed (not starting DuckDB
and copying the frame into it, which a warehouse that already holds the tables does not pay),
and only their marginal per-row part is billed. Without two sizes (a fit too long to repeat) every second is taken as
per-row, the conservative reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bakeoff.config import CostSection
from bakeoff.row import Cost, Row

ASSUMPTION = ("billed CPU-seconds = max(CPU, wall x threads held); fit and predict are each timed at two or "
              "more sizes and split into a fixed cost per call and a marginal cost per row; a retrain costs "
              "fixed + per-row x rows_in_production, a month of scoring costs prediction_calls_per_month x fixed "
              "+ predictions_per_month x per-row; SQL rules are costed as warehouse queries (the "
              "queries' own seconds, per-row part only: no DuckDB start-up, no copying tables in); a fit too "
              "long to time twice is taken as all per-row")


@dataclass(frozen=True)
class Timing:
    """Seconds per call of one operation: ``fixed_s + per_row_s x rows``; ``measured``: from two sizes."""

    fixed_s: float
    per_row_s: float
    measured: bool = False

    def at(self, rows: float, *, warehouse: bool = False) -> float:
        """Billed seconds of one call on ``rows`` rows (a warehouse query pays no fixed part)."""
        return (0.0 if warehouse else self.fixed_s) + self.per_row_s * rows


def fixed_and_marginal(points: Sequence[Sequence[float]]) -> Timing:
    """Fit ``seconds = fixed + per_row x rows`` to (rows, seconds) points, both parts non-negative.

    Least squares on relative error (each point weighted by ``1 / seconds``), so the small
    size fixes the intercept and the large one the slope. With one point, or points at a single
    size, every second is taken as per-row (``fixed = 0``).
    """
    pts = np.array([(float(r), float(s)) for r, s in points if r > 0 and s >= 0], dtype=float).reshape(-1, 2)
    if len(pts) == 0:
        return Timing(0.0, 0.0)
    rows, secs = pts[:, 0], np.maximum(pts[:, 1], 1e-12)
    if len(np.unique(rows)) < 2:
        return Timing(0.0, float(np.mean(secs / rows)))
    w = 1.0 / secs
    design = np.column_stack([np.ones_like(rows), rows]) * w[:, None]
    fixed, per_row = np.linalg.lstsq(design, secs * w, rcond=None)[0]
    if fixed < 0:
        fixed, per_row = 0.0, float(np.sum(w * w * rows * secs) / np.sum(w * w * rows * rows))
    elif per_row < 0:
        fixed, per_row = float(np.sum(w * w * secs) / np.sum(w * w)), 0.0
    return Timing(float(fixed), float(per_row), True)


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
    fit_s = max(row.fit_cpu_s or 0.0, (row.fit_s or 0.0) * threads, 1e-6)
    pred_s = max(row.predict_cpu_s or 0.0, row.predict_s or 0.0, 1e-9)
    return (fixed_and_marginal(row.fit_points or [(n_train, fit_s)]),
            fixed_and_marginal(row.predict_points or [(n_holdout, pred_s)]))


def cost_of(row: Row, cost: CostSection, n_train: int, n_holdout: int) -> Cost:
    """Dollars of one OK row (retrain, a million predictions, a month) and its fixed / marginal split."""
    fit, predict = timings(row, n_train, n_holdout)
    return project(fit, predict, cost, n_train=n_train, warehouse=bool(row.in_warehouse))
