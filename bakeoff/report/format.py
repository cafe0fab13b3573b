"""Format a result's rows as short strings, shared by the terminal and Markdown reports."""

from __future__ import annotations

import math
from typing import Any

from bakeoff.durations import format_seconds
from bakeoff.metrics import METRICS
from bakeoff.money import usd
from bakeoff.result import Result
from bakeoff.row import Row

HEADERS = ("rung", "candidate", "status", "{primary}", "95% CI", "vs best", "fit", "predict/1k",
           "size", "$/month", "pareto")


def num(x: Any, digits: int = 4) -> str:
    """A number with ``digits`` significant digits, or an empty string."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    return f"{x:.{digits}g}"


def headers(result: Result) -> list[str]:
    """Column titles, the primary metric's label in place of ``{primary}``."""
    label = METRICS[result.primary].label
    out = [h.replace("{primary}", label) for h in HEADERS]
    return out[:6] + ["bias"] + out[6:] if has_bias(result) else out


def has_bias(result: Result) -> bool:
    """True when rows carry a total bias (customer-base, count and binary problems)."""
    return any(r.bias_pct is not None for r in result.rows)


def cells(result: Result, row: Row) -> list[str]:
    """One row's cells."""
    ok = row.ok
    metric = (row.metrics or {}).get(result.primary) if ok else None
    ci = f"{num(row.ci_low, 3)}–{num(row.ci_high, 3)}" if ok and row.ci_low is not None else ""
    vs = ""
    if ok and row.vs_best_name and row.vs_best_name != row.name and row.vs_best is not None:
        star = "" if (row.vs_best_low or 0) <= 0 <= (row.vs_best_high or 0) else "*"
        vs = f"{row.vs_best:+.3g}{star}"
    status = row.status.value if ok else f"{row.status.value}: {row.message}"[:90]
    chosen = " ✔" if row.name == result.chosen else ""
    bias = [f"{row.bias_pct:+.1f}%" if ok and row.bias_pct is not None else ""] if has_bias(result) else []
    return [
        str(row.rung), row.name + chosen, status, num(metric), ci, vs, *bias,
        format_seconds(row.fit_s) if row.fit_s is not None else "",
        f"{row.predict_ms_per_1k:.3g}ms" if ok and row.predict_ms_per_1k is not None else "",
        f"{row.model_kb:.0f}KB" if ok and row.model_kb is not None else "",
        usd(row.cost.monthly_usd) if ok and row.cost is not None else "",
        ("yes" if row.pareto else "") if ok else "",
    ]


def shown_rows(result: Result) -> tuple[list[Row], str]:
    """Rows for the table (not-applicable ones left out) and a footnote naming those left out."""
    hidden = [r.name for r in result.rows if not r.applicable]
    rows = [r for r in result.rows if r.applicable]
    note = f"Not applicable to this problem (see results.json): {', '.join(hidden)}." if hidden else ""
    return rows, note
