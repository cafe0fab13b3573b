"""Dollars from CPU-seconds under the user's price and scale model (``[cost]``).

Assumptions, stated in the report: a core is billed while held, so billed seconds
are ``max(cpu, wall)``; training cost scales linearly with rows from the training
part to ``rows_in_production``; prediction cost scales linearly with rows.
"""

from __future__ import annotations

from bakeoff.config import CostSection
from bakeoff.row import Cost, Row

ASSUMPTION = ("billed CPU-seconds = max(CPU, wall) x threads held; training scales linearly in rows to "
              "rows_in_production; predictions scale linearly in rows")


def cost_of(row: Row, cost: CostSection, n_train: int, n_holdout: int) -> Cost:
    """``train_usd``, ``per_million_predictions_usd`` and ``monthly_usd`` for one OK row."""
    threads = row.threads or 1
    fit_s = max(row.fit_cpu_s or 0.0, (row.fit_s or 0.0) * threads, 1e-6)
    pred_s = max(row.predict_cpu_s or 0.0, row.predict_s or 0.0, 1e-9)
    scale = (cost.rows_in_production / n_train) if cost.rows_in_production else 1.0
    per_second = cost.usd_per_cpu_hour / 3600.0
    train_usd = fit_s * scale * per_second
    per_million = pred_s / max(n_holdout, 1) * 1e6 * per_second
    monthly = cost.retrains_per_month * train_usd + cost.predictions_per_month / 1e6 * per_million
    return Cost(train_usd=train_usd, per_million_predictions_usd=per_million, monthly_usd=monthly,
                train_cpu_s_scaled=fit_s * scale)
