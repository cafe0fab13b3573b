"""Matplotlib figures for the report and notebooks: frontier, fit times, calibration."""

from __future__ import annotations

import io
import re
from typing import Any

from bakeoff.metrics import METRICS
from bakeoff.result import Result
from bakeoff.row import Row, Status

TOP = 5


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _ok(result: Result) -> list[Row]:
    return [r for r in result.rows if r.ok and r.metrics is not None and r.cost is not None]


def _usd(row: Row) -> float:
    return max(row.cost.monthly_usd if row.cost else 0.0, 1e-9)


def _value(row: Row, metric: str) -> float:
    return (row.metrics or {})[metric]


def frontier(result: Result) -> Any:
    """Accuracy against monthly cost (log axis), the Pareto front drawn, every point labelled."""
    plt = _plt()
    m = METRICS[result.primary]
    fig, ax = plt.subplots(figsize=(8, 4.8))
    rows = _ok(result)
    for r in rows:
        x, y = _usd(r), _value(r, result.primary)
        chosen = r.name == result.chosen
        ax.scatter([x], [y], s=90 if chosen else 40, zorder=3,
                   color="#d62728" if chosen else ("#1f77b4" if r.pareto else "#999999"))
        ax.annotate(r.name + (" ✔" if chosen else ""), (x, y), textcoords="offset points", xytext=(5, 4),
                    fontsize=8)
    front = sorted((r for r in rows if r.pareto), key=_usd)
    if len(front) > 1:
        ax.plot([_usd(r) for r in front], [_value(r, result.primary) for r in front],
                color="#1f77b4", lw=1, zorder=2, label="Pareto front")
        ax.legend(loc="best", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("monthly cost (USD, log scale)")
    ax.set_ylabel(f"{m.label} ({'higher' if m.higher_is_better else 'lower'} is better)")
    ax.set_title("Accuracy vs cost")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def fit_times(result: Result) -> Any:
    """Horizontal bars of fit seconds (log axis), in ladder order."""
    plt = _plt()
    rows = [r for r in result.rows if r.fit_s is not None and r.applicable]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(rows) + 1.2))
    colours = {Status.OK: "#1f77b4", Status.TIMEOUT: "#ff7f0e", Status.FAILED: "#d62728"}
    ax.barh([r.name for r in rows], [max(r.fit_s or 0.0, 1e-4) for r in rows],
            color=[colours.get(r.status, "#999999") for r in rows])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("fit seconds (log scale)")
    ax.set_title("Fit time")
    fig.tight_layout()
    return fig


def calibration(result: Result) -> Any | None:
    """Actual vs predicted per bin for the best few candidates (None without calibration tables)."""
    if not result.calibration:
        return None
    plt = _plt()
    m = METRICS[result.primary]
    ranked = sorted(_ok(result), key=lambda r: _value(r, result.primary), reverse=m.higher_is_better)
    names = [r.name for r in ranked[:TOP] if r.name in result.calibration]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if result.problem.task == "binary":
        for n in names:
            bins = result.calibration[n]
            ax.plot([b["predicted"] for b in bins], [b["actual"] for b in bins], marker="o", label=n)
        ax.plot([0, 1], [0, 1], ls="--", color="#999999", label="perfect")
        ax.set_xlabel("predicted probability")
        ax.set_ylabel("observed rate")
    else:
        first = result.calibration[names[0]] if names else []
        labels = [b["bin"] for b in first]
        ax.plot(labels, [b["actual"] for b in first], color="black", lw=2, marker="s", label="actual")
        for n in names:
            ax.plot([b["bin"] for b in result.calibration[n]], [b["predicted"] for b in result.calibration[n]],
                    marker="o", label=n)
        ax.set_xlabel("calibration-period repeat purchases x" if result.problem.kind == "customer_base"
                      else "bin")
        ax.set_ylabel("mean per customer" if result.problem.kind == "customer_base" else "mean")
    ax.legend(fontsize=8)
    ax.set_title("Calibration: actual vs predicted")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def svg(fig: Any) -> str:
    """The figure as an inline SVG string (the figure is closed)."""
    plt = _plt()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    text = buf.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>", "", text[text.index("<svg"):], flags=re.S)
    return text
