"""Matplotlib figures for the report and notebooks: frontier, net value, value curves, fit times, calibration.

Made to be read off a screenshot or a projected slide: every text at least 11 px when the figure is
shown 560 px wide (:mod:`bakeoff.report.canvas`); the chosen, the best and the Pareto front labelled by
name, each label tied to its own dot by a leader line and clear of the others
(:mod:`bakeoff.report.labels`); the other points numbered and listed in a table inside the figure; dollar
ticks (``$0.01``, ``$1``, ``$100``, ``<$0.01``); axes scaled to the contenders with off-scale points
pinned at the edge. Every point also has a hover title in the SVG.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html import escape
from typing import Any, Protocol

from bakeoff.candidates.metrics import METRICS
from bakeoff.core.money import usd_axis
from bakeoff.core.records import Status
from bakeoff.data.frame import Problem
from bakeoff.report.canvas import (
    CHOSEN,
    FRONT,
    OTHER,
    PLOT_HEIGHT,
    WIDTH,
    band_legend,
    cost_axis,
    drawn_with_room,
    figure_with_bands,
    legend_rows,
    legend_table,
    monthly_usd,
    ok_rows,
    pyplot,
    settle,
    shown_cost,
    table_rows,
)
from bakeoff.report.fields import val
from bakeoff.report.labels import Mark, Segment, place_labels
from bakeoff.report.value_plots import value_curves, value_frontier, value_hover

__all__ = ["calibration", "contender_limits", "fit_times", "frontier", "hover_titles", "svg", "value_curves",
           "value_frontier", "value_hover"]


class Result(Protocol):
    """What the figures read of a :class:`bakeoff.report.result.Result` (whose ``plot()`` calls this module)."""

    rows: list[Any]
    primary: str
    chosen: str | None
    problem: Problem
    calibration: dict[str, list[dict[str, Any]]]
    value: Any


TOP = 3


def _value(row: Any, metric: str) -> float:
    return val(row, "metrics")[metric]


def contender_limits(values: list[float], best: float, higher_is_better: bool, spread: float = 3.0) -> float:
    """The metric value beyond which a point is off-scale: ``spread`` times the best-to-median gap past the best."""
    ordered = sorted(values)
    median = ordered[len(ordered) // 2]
    gap = abs(median - best) or abs(best) * 0.05 or 1.0
    return best - spread * gap if higher_is_better else best + spread * gap


@dataclass(frozen=True)
class _Plan:
    """Where each point of the frontier goes and what it says."""

    higher: bool
    best: str
    off: frozenset[str]  # off the scale: pinned at the edge
    ylim: tuple[float, float]
    scale: tuple[float, float]  # the part of the y axis that is to scale (ticks only there)
    pin: float  # the y of an off-scale point


def _plan(result: Result, rows: list[Any]) -> _Plan:
    m = METRICS[result.primary]
    values = {val(r, "name"): _value(r, result.primary) for r in rows}
    best = (max if m.higher_is_better else min)(values, key=lambda n: values[n])
    edge = contender_limits(list(values.values()), values[best], m.higher_is_better)
    off = frozenset(n for n, v in values.items() if (v < edge if m.higher_is_better else v > edge))
    shown = [v for n, v in values.items() if n not in off]
    low, high = min(shown), max(shown)
    pad = (high - low) * 0.1 or abs(high) * 0.05 or 0.1
    scale = (low - pad, high + pad)
    if not off:
        return _Plan(m.higher_is_better, best, off, scale, scale, 0.0)
    if m.higher_is_better:
        return _Plan(True, best, off, (low - 2.4 * pad, high + pad), scale, low - 1.8 * pad)
    return _Plan(False, best, off, (low - pad, high + 2.4 * pad), scale, high + 1.8 * pad)


def _role(row: Any, result: Result, plan: _Plan) -> str:
    name = val(row, "name")
    if name == result.chosen:
        return "chosen"
    return "front" if name == plan.best or val(row, "pareto") else "other"


def _numbered(row: Any, result: Result, plan: _Plan) -> bool:
    """Whether a point carries a number (and a row of the table) rather than its name: the dominated, and those
    off the scale (their value is in the table), unless chosen."""
    return _role(row, result, plan) == "other" or (val(row, "name") in plan.off and val(row, "name") != result.chosen)


def frontier(result: Result) -> Any:
    """Accuracy against monthly cost (log axis): the chosen, the best and the Pareto front labelled by name,
    the best-so-far step in cost order, the other points numbered and listed in a table under the plot."""
    rows = ok_rows(result)
    if not rows:
        fig, ax = pyplot().subplots(figsize=(WIDTH, PLOT_HEIGHT))
        ax.text(0.5, 0.5, "no candidate finished", ha="center", transform=ax.transAxes)
        return fig
    plan = _plan(result, rows)
    return drawn_with_room(lambda listed: _draw_frontier(result, rows, plan, listed))


def _draw_frontier(result: Result, rows: list[Any], plan: _Plan, listed: tuple[str, ...]) -> tuple[Any, list[str]]:
    """The frontier figure, with ``listed`` names in the table; returns it and the names that found no room."""
    m = METRICS[result.primary]
    others = [r for r in rows if _numbered(r, result, plan) or val(r, "name") in listed]
    handles = _frontier_handles(("v" if plan.higher else "^") if plan.off else None, bool(others))
    fig, ax, top, table_h = figure_with_bands(legend_rows(len(handles)), table_rows(len(others)))
    dots = {val(r, "name"): (shown_cost(monthly_usd(r)), plan.pin if val(r, "name") in plan.off
                             else _value(r, result.primary)) for r in rows}
    ax.set_ylim(*plan.scale)
    ax.set_yticks([t for t in ax.get_yticks() if plan.scale[0] <= t <= plan.scale[1]])  # none in the pinned band
    ax.set_ylim(*plan.ylim)
    cost_axis(ax, [x for x, _ in dots.values()], "monthly cost (log scale)")
    steps = _step(ax, rows, result.primary, plan)
    for r in rows:
        _dot(ax, r, dots[val(r, "name")], _role(r, result, plan), plan)
    ax.set_ylabel(f"{m.label} ({'higher' if m.higher_is_better else 'lower'} is better)")
    ax.set_title("Accuracy vs cost")
    ax.grid(alpha=0.3)
    settle(fig, top)
    band_legend(fig, handles, top)
    legend_table(fig, ["#", "candidate", m.label, "a month"],
                 [[str(i), val(r, "name"), _metric_text(_value(r, result.primary)), usd_axis(monthly_usd(r))]
                  for i, r in enumerate(others, 1)], table_h)
    marks = [_mark(r, result, plan, dots) for r in _label_order(rows, result, plan) if val(r, "name") not in listed]
    marks += [Mark(val(r, "name"), str(i), *dots[val(r, "name")], OTHER) for i, r in enumerate(others, 1)
              if val(r, "name") not in listed]
    missed = place_labels(fig, ax, marks, list(dots.values()), lines=steps)
    return fig, [mk.key for mk in missed if not mk.text.isdigit()]


def _metric_text(value: float) -> str:
    """A metric as a table or label reads it: ``0.719``, ``2.585``, ``12,345`` (never scientific notation)."""
    return f"{value:.3f}" if abs(value) < 100 else f"{value:,.0f}"


def _label_order(rows: list[Any], result: Result, plan: _Plan) -> list[Any]:
    """Named points, most important first: the chosen, the best, then the front from the cheapest."""
    named = [r for r in rows if not _numbered(r, result, plan)]
    return sorted(named, key=lambda r: (val(r, "name") != result.chosen, val(r, "name") != plan.best, monthly_usd(r)))


def _mark(row: Any, result: Result, plan: _Plan, dots: dict[str, tuple[float, float]]) -> Mark:
    name = val(row, "name")
    text = name + (" ✔" if name == result.chosen else "") + (
        f" ({_metric_text(_value(row, result.primary))})" if name in plan.off else "")
    return Mark(name, text, *dots[name], CHOSEN if name == result.chosen else FRONT, bold=name == result.chosen)


def _dot(ax: Any, row: Any, at: tuple[float, float], role: str, plan: _Plan) -> None:
    colour = {"chosen": CHOSEN, "front": FRONT}.get(role, OTHER)
    marker = "o" if val(row, "name") not in plan.off else ("v" if plan.higher else "^")
    art = ax.scatter([at[0]], [at[1]], s=110 if role == "chosen" else 48, zorder=4 if role == "chosen" else 3,
                     color=colour, marker=marker, edgecolors="white", linewidths=0.8)
    art.set_gid(f"pt-{val(row, 'name')}")


def _step(ax: Any, rows: list[Any], metric: str, plan: _Plan) -> list[Segment]:
    """The best value reached at each cost or less: a monotone step in cost order over the points on the scale;
    returns its segments (data units)."""
    sign = 1 if plan.higher else -1
    steps: list[tuple[float, float]] = []
    for r in sorted((r for r in rows if val(r, "name") not in plan.off),
                    key=lambda r: (monthly_usd(r), -sign * _value(r, metric))):
        if not steps or sign * _value(r, metric) > sign * steps[-1][1]:
            steps.append((shown_cost(monthly_usd(r)), _value(r, metric)))
    xs, ys = [x for x, _ in steps] + [ax.get_xlim()[1]], [y for _, y in steps]
    ax.step(xs, [*ys, ys[-1]], where="post", color=FRONT, lw=1.3, alpha=0.7, zorder=2)
    corners = [(x, y) for i, y in enumerate(ys) for x in xs[i:i + 2]]
    return list(zip(corners, corners[1:], strict=False))


def _frontier_handles(off_marker: str | None, others: bool) -> list[Any]:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", ls="", color=CHOSEN, markersize=9, label="chosen (✔)"),
               Line2D([], [], marker="o", ls="", color=FRONT, label="best / Pareto front"),
               Line2D([], [], color=FRONT, lw=1.3, alpha=0.7, label="best at this cost or less")]
    if others:
        handles.append(Line2D([], [], marker="o", ls="", color=OTHER, label="others (number: table below)"))
    if off_marker:
        handles.append(Line2D([], [], marker=off_marker, ls="", color=OTHER, label="off the scale, pinned at the edge"))
    return handles


def fit_times(result: Result) -> Any | None:
    """Horizontal bars of fit seconds (log axis), in ladder order (None when no candidate ran)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    rows = [r for r in result.rows if val(r, "fit_s") is not None and val(r, "applicable") is not False]
    if not rows:
        return None
    fig, ax = pyplot().subplots(figsize=(WIDTH, 0.32 * len(rows) + 1.4))
    colours = {Status.OK: FRONT, Status.TIMEOUT: "#ff7f0e", Status.FAILED: CHOSEN}
    names = [val(r, "name") + (" ✔" if val(r, "name") == result.chosen else "") for r in rows]
    ax.barh(names, [max(val(r, "fit_s"), 1e-3) for r in rows],
            color=[colours.get(Status(val(r, "status")), OTHER) for r in rows])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, numticks=6))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda seconds, _: f"{seconds:g}s"))
    ax.set_xlabel("fit seconds (log scale)")
    ax.set_title("Time to train")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def calibration(result: Result) -> Any | None:
    """Actual vs predicted per bin for the top few candidates (None without calibration tables)."""
    if not result.calibration:
        return None
    m = METRICS[result.primary]
    ranked = sorted(ok_rows(result), key=lambda r: _value(r, result.primary), reverse=m.higher_is_better)
    names = [val(r, "name") for r in ranked if val(r, "name") in result.calibration]
    if result.chosen in result.calibration and result.chosen not in names[:TOP]:
        names = [result.chosen, *names]
    names = names[:TOP]
    fig, ax, top, _ = figure_with_bands(legend_rows(len(names) + 1), 0)
    if result.problem.task == "binary":
        _binary_calibration(ax, result, names)
    else:
        _count_calibration(ax, result, names)
    ax.set_title(f"Calibration: actual vs predicted (top {len(names)})")
    ax.grid(alpha=0.3)
    settle(fig, top)
    band_legend(fig, ax.get_legend_handles_labels()[0], top)
    return fig


def _binary_calibration(ax: Any, result: Result, names: list[str]) -> None:
    ax.plot([0, 1], [0, 1], ls="--", color=OTHER, label="perfect")
    for n in names:
        bins = result.calibration[n]
        ax.plot([b["predicted"] for b in bins], [b["actual"] for b in bins], marker="o", lw=2 if
                n == result.chosen else 1.2, label=n + (" ✔" if n == result.chosen else ""))
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed rate")


def _count_calibration(ax: Any, result: Result, names: list[str]) -> None:
    first = result.calibration[names[0]] if names else []
    ax.plot([b["bin"] for b in first], [b["actual"] for b in first], color="black", lw=2.2, marker="s",
            label="actual")
    for n in names:
        bins = result.calibration[n]
        ax.plot([b["bin"] for b in bins], [b["predicted"] for b in bins], marker="o",
                lw=2 if n == result.chosen else 1.2, label=n + (" ✔" if n == result.chosen else ""))
    customer = result.problem.kind == "customer_base"
    ax.set_xlabel("purchases in the calibration period" if customer else "bin")
    ax.set_ylabel("mean per customer" if customer else "mean")


def svg(fig: Any, titles: dict[str, str] | None = None) -> str:
    """The figure as an inline, scalable SVG string (the figure is closed).

    ``titles`` maps a point's id (``pt-<name>``) to its hover text.
    """
    plt = pyplot()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>", "", text[text.index("<svg"):], flags=re.S)
    text = re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r'<svg\1', text, count=1)
    for gid, title in (titles or {}).items():
        text = text.replace(f'<g id="{gid}">', f'<g id="{gid}"><title>{escape(title)}</title>', 1)
    return text


def hover_titles(result: Result) -> dict[str, str]:
    """Hover text for every frontier point: name, metric and monthly cost."""
    label = METRICS[result.primary].label
    return {f"pt-{val(r, 'name')}": f"{val(r, 'name')}: {label} {_value(r, result.primary):.4g}, "
            f"{usd_axis(monthly_usd(r))} a month" for r in ok_rows(result)}

