"""Format a result's rows as short strings, shared by the terminal and Markdown reports."""

from __future__ import annotations

import math
from typing import Any

from bakeoff.candidates.metrics import METRICS
from bakeoff.core.durations import format_seconds
from bakeoff.core.money import usd_cell, usd_rounded
from bakeoff.core.records import Row, Value
from bakeoff.judge.front import Margins, ci_label
from bakeoff.report.result import Result

HEADERS = ("rung", "candidate", "status", "{primary}", "{ci} CI", "vs best", "best set", "fit", "predict/1k",
           "size", "$/month", "pareto")


def num(value: Any, digits: int = 4) -> str:
    """A number with ``digits`` significant digits, or an empty string."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{value:.{digits}g}"


VALUE_HEADERS = ("value $/mo (CI)", "net $/mo (CI)", "share")


def headers(result: Result) -> list[str]:
    """Column titles, the primary metric's label in place of ``{primary}``; value columns with ``[value]``."""
    label = METRICS[result.primary].label
    ci = ci_label(result.experiment.score.confidence)
    out = [h.replace("{primary}", label).replace("{ci}", ci) for h in HEADERS]
    out = out[:6] + ["bias"] + out[6:] if has_bias(result) else out
    return out + (list(VALUE_HEADERS) if result.value is not None else [])


def has_bias(result: Result) -> bool:
    """True when rows carry a total bias (customer-base, count and binary problems)."""
    return any(r.bias_pct is not None for r in result.rows)


def footnote(result: Result) -> str:
    """What the stars, intervals and flags mean (method, resamples, confidence, cost noise margin)."""
    score = result.experiment.score
    ci, b = ci_label(score.confidence), score.bootstrap
    margins = Margins.of(result.experiment.cost)
    on = (" The Pareto flags weigh net value against running cost ([choose] rule = max_net_value)."
          if result.experiment.choose.rule == "max_net_value" else "")
    if not b:
        return ("No bootstrap ([score] bootstrap = 0): candidates are compared on point estimates only. "
                + margins.text() + on)
    return (f"{ci} CI: percentile bootstrap over {b} resamples of the holdout rows, the same resamples for every "
            f"candidate (paired). Comparisons use {ci} simultaneous intervals over all pairs (studentized max-T "
            "bootstrap; percentile-type too where a pair's resampled differences are far from normal): `*` after "
            "*vs best* means the candidate is not in the set of the best (another candidate "
            f"is shown better); adjusted p-values below 1/{b} print as p < {1 / b:.2g}. " + margins.text() + on)


def cells(result: Result, row: Row) -> list[str]:
    """One row's cells."""
    ok = row.ok
    metric = (row.metrics or {}).get(result.primary) if ok else None
    ci = f"{num(row.ci_low, 3)}–{num(row.ci_high, 3)}" if ok and row.ci_low is not None else ""
    vs = ""
    if ok and row.vs_best_name and row.vs_best_name != row.name and row.vs_best is not None:
        vs = f"{row.vs_best:+.3g}{'' if row.best_set else '*'}"
    best_set = ("yes" if row.best_set else "") if ok else ""
    status = row.status.value if ok else f"{row.status.value}: {row.message}"[:90]
    chosen = " ✔" if row.name == result.chosen else ""
    bias = [f"{row.bias_pct:+.1f}%" if ok and row.bias_pct is not None else ""] if has_bias(result) else []
    return [
        str(row.rung), row.label + uses(row) + chosen, status, num(metric), ci, vs, *bias, best_set,
        format_seconds(row.fit_s) if row.fit_s is not None else "",
        _ms(_per_1k(row)) if ok and row.predict_ms_per_1k is not None else "",
        f"{row.model_kb:.0f}KB" if ok and row.model_kb is not None else "",
        usd_cell(row.cost.monthly_usd) + (ESTIMATED if row.cost.estimated else "") if ok and row.cost is not None
        else "",
        ("yes" if row.pareto else "") if ok else "",
    ] + (value_cells(row.value if ok else None) if result.value is not None else [])


ESTIMATED = "†"  # after a monthly cost extrapolated from small data (explained under the table)
USES_WIDTH = 18  # a long feature name is cut in the table; the candidate's description has it whole


def uses(row: Row) -> str:
    """`` (on tenure)`` for a rule that picked its feature on the training part ('' otherwise)."""
    chosen = (row.params or {}).get("chosen") if row.ok and row.family == "sql" else None
    feature = chosen.get("feature") if isinstance(chosen, dict) else None
    if not feature:
        return ""
    return f" (on {feature if len(feature) <= USES_WIDTH else feature[:USES_WIDTH - 1] + '…'})"


def value_cells(value: Value | None) -> list[str]:
    """Value and net value a month with their intervals, share of attainable value (``[value]`` runs)."""
    if value is None:
        return ["", "", ""]
    share = value.value_share
    below = ""
    if value.below:  # a trivial policy nets more: shown (⚠) or on the point estimate
        policy = value.below.removesuffix(" (point)").removeprefix("acting on ").removeprefix("ordering ")
        below = f" < {policy}" if value.below.endswith("(point)") else f" ⚠ < {policy}"
    return [money_with_interval(value.value_usd_month, value.value_low, value.value_high),
            money_with_interval(value.net_usd_month, value.net_low, value.net_high) + below,
            f"{share:.0%}" if share is not None and math.isfinite(share) else ""]


def money_with_interval(point: float, low: float | None, high: float | None) -> str:
    """``$585k (-$667k to $1.3M)``; the point alone when the interval reads the same as it (``-<$0.01``)."""
    text, lo, hi = usd_rounded(point), usd_rounded(low), usd_rounded(high)
    return text if lo == hi == text or not (lo or hi) else f"{text} ({lo} to {hi})"


def _ms(amount: float) -> str:
    return "<0.01ms" if amount < 0.01 else f"{amount:.3g}ms"


def _per_1k(row: Row) -> float:
    """Marginal predict milliseconds per 1k rows (the fixed cost per call apart), else the holdout figure."""
    marginal = row.cost.predict_ms_per_1k_marginal if row.cost is not None else None
    return row.predict_ms_per_1k if marginal is None else marginal


def dominated_lines(result: Result) -> list[str]:
    """One line per dominated candidate naming who dominates it and by what real margin."""
    return [f"{r.name}: dominated by " + "; ".join(r.dominance or []) for r in result.rows if r.ok and r.dominance]


def shown_rows(result: Result) -> tuple[list[Row], str]:
    """Rows for the table (not-applicable ones left out) and a footnote naming those left out."""
    hidden = [r.name for r in result.rows if not r.applicable]
    rows = [r for r in result.rows if r.applicable]
    note = f"Not applicable to this problem (see results.json): {', '.join(hidden)}." if hidden else ""
    return rows, note
