"""Matplotlib figures for the report and notebooks: frontier, fit times, calibration.

Sized for a demo: text readable when the page is shown on a phone, labels only where
they do not collide (the Pareto front and the chosen candidate; every point has a
hover title in the SVG), axes scaled to the contenders with off-scale points marked
at the edge, dollar ticks, legends outside the data.
"""

from __future__ import annotations

import io
import re
from html import escape
from typing import Any, Protocol

from bakeoff.candidates.metrics import METRICS
from bakeoff.core.money import usd_rounded, usd_tick
from bakeoff.core.records import Status
from bakeoff.data.frame import Problem
from bakeoff.report.fields import val


class Result(Protocol):
    """What the figures read of a :class:`bakeoff.report.result.Result` (whose ``plot()`` calls this module)."""

    rows: list[Any]
    primary: str
    chosen: str | None
    problem: Problem
    calibration: dict[str, list[dict[str, Any]]]
    value: Any

TOP = 3
FONT = 12
SIZE = (5.4, 4.2)
CHOSEN, FRONT, OTHER = "#d62728", "#1f77b4", "#9a9a9a"
OFFSETS = ((7, 5), (7, -13), (-7, 5), (-7, -13), (7, 15), (7, -23), (-7, 15), (-7, -23), (0, 22), (0, -30))


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": FONT, "axes.titlesize": FONT + 2, "axes.labelsize": FONT,
                         "legend.fontsize": FONT - 1, "xtick.labelsize": FONT - 1, "ytick.labelsize": FONT - 1,
                         "svg.fonttype": "none"})
    return plt


def _ok(result: Result) -> list[Any]:
    return [r for r in result.rows if Status(val(r, "status")) is Status.OK and val(r, "metrics") and val(r, "cost")]


def _usd(row: Any) -> float:
    return max(val(val(row, "cost"), "monthly_usd") or 0.0, 1e-9)


def _value(row: Any, metric: str) -> float:
    return val(row, "metrics")[metric]


def contender_limits(values: list[float], best: float, higher_is_better: bool, spread: float = 3.0) -> float:
    """The metric value beyond which a point is off-scale: ``spread`` times the best-to-median gap past the best."""
    ordered = sorted(values)
    median = ordered[len(ordered) // 2]
    gap = abs(median - best) or abs(best) * 0.05 or 1.0
    return best - spread * gap if higher_is_better else best + spread * gap


def frontier(result: Result) -> Any:
    """Accuracy against monthly cost (log axis); the Pareto front drawn and labelled with the chosen."""
    plt = _plt()
    from matplotlib.ticker import FuncFormatter, LogLocator

    m = METRICS[result.primary]
    rows = _ok(result)
    fig, ax = plt.subplots(figsize=SIZE)
    if not rows:
        ax.text(0.5, 0.5, "no candidate finished", ha="center", transform=ax.transAxes)
        return fig
    values = [_value(r, result.primary) for r in rows]
    best = max(values) if m.higher_is_better else min(values)
    edge = contender_limits(values, best, m.higher_is_better)
    off = [r for r in rows if (_value(r, result.primary) < edge if m.higher_is_better
                               else _value(r, result.primary) > edge)]
    shown = [r for r in rows if r not in off]
    lo, hi = min(_value(r, result.primary) for r in shown), max(_value(r, result.primary) for r in shown)
    pad = (hi - lo) * 0.12 or abs(hi) * 0.05 or 0.1
    ylim = (lo - pad, hi + pad * (2.2 if off else 1))
    pin = ylim[0] + pad * 0.3 if m.higher_is_better else ylim[1] - pad * 0.3
    front = sorted((r for r in shown if val(r, "pareto")), key=_usd)
    if len(front) > 1:
        ax.plot([_usd(r) for r in front], [_value(r, result.primary) for r in front], color=FRONT, lw=1.2,
                zorder=2, label="Pareto front (nothing cheaper is as good)")
    for r in rows:
        _point(ax, r, result, pin if r in off else None)
    ax.set_ylim(*(ylim if not m.higher_is_better else ylim))
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, numticks=5))  # every decade would crowd a phone screen
    ax.xaxis.set_major_formatter(FuncFormatter(usd_tick))
    ax.set_xlabel("monthly cost")
    ax.set_ylabel(f"{m.label} ({'higher' if m.higher_is_better else 'lower'} is better)")
    ax.set_title("Accuracy vs cost")
    ax.grid(alpha=0.3)
    ax.margins(x=0.15)
    _legend(ax, fig, rows, off)
    fig.tight_layout()
    _place_labels(fig, ax, [r for r in rows if val(r, "pareto") or val(r, "name") == result.chosen or r in off],
                  result, pin, off)
    return fig


def _point(ax: Any, row: Any, result: Result, pin: float | None) -> None:
    chosen = val(row, "name") == result.chosen
    colour = CHOSEN if chosen else (FRONT if val(row, "pareto") else OTHER)
    y = _value(row, result.primary) if pin is None else pin
    marker = "o" if pin is None else ("^" if y > ax.get_ylim()[0] else "v")
    art = ax.scatter([_usd(row)], [y], s=110 if chosen else 45, zorder=3, color=colour, marker=marker,
                     edgecolors="white", linewidths=0.8)
    art.set_gid(f"pt-{val(row, 'name')}")


def _legend(ax: Any, fig: Any, rows: list[Any], off: list[Any]) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", ls="", color=CHOSEN, markersize=9, label="chosen"),
               Line2D([], [], marker="o", ls="", color=FRONT, label="on the Pareto front"),
               Line2D([], [], marker="o", ls="", color=OTHER, label="dominated (hover for name)")]
    if off:
        handles.append(Line2D([], [], marker="^", ls="", color=OTHER, label="off the scale (value in label)"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False,
              fontsize=FONT - 2)


def _place_labels(fig: Any, ax: Any, rows: list[Any], result: Result, pin: float, off: list[Any]) -> None:
    """Label the frontier's points (chosen first); an off-scale point's label carries its value."""
    order = sorted(rows, key=lambda r: (val(r, "name") != result.chosen, _usd(r)))
    place_texts(fig, ax, [(val(r, "name") + (" ✔" if val(r, "name") == result.chosen else "")
                           + (f" ({_value(r, result.primary):.3g})" if r in off else ""),
                           _usd(r), pin if r in off else _value(r, result.primary),
                           val(r, "name") == result.chosen) for r in order])


def place_texts(fig: Any, ax: Any, items: list[tuple[str, float, float, bool]], size: float = FONT - 1) -> None:
    """Place (text, x, y, bold) labels greedily at the first offset whose box overlaps no placed label and stays
    in the axes; a label with no such offset is left out (its point keeps its hover text)."""
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    placed: list[Any] = []
    for text, x, y, bold in items:
        for dx, dy in OFFSETS:
            ann = ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy),
                              ha="left" if dx >= 0 else "right", fontsize=size,
                              fontweight="bold" if bold else "normal")
            box = ann.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(p) for p in placed):
                placed.append(box)
                break
            ann.remove()


def fit_times(result: Result) -> Any | None:
    """Horizontal bars of fit seconds (log axis), in ladder order (None when no candidate ran)."""
    rows = [r for r in result.rows if val(r, "fit_s") is not None and val(r, "applicable") is not False]
    if not rows:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(SIZE[0], 0.32 * len(rows) + 1.4))
    colours = {Status.OK: FRONT, Status.TIMEOUT: "#ff7f0e", Status.FAILED: CHOSEN}
    names = [val(r, "name") + (" ✔" if val(r, "name") == result.chosen else "") for r in rows]
    ax.barh(names, [max(val(r, "fit_s"), 1e-3) for r in rows],
            color=[colours.get(Status(val(r, "status")), OTHER) for r in rows])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("fit seconds (log scale)")
    ax.set_title("Time to train")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def calibration(result: Result) -> Any | None:
    """Actual vs predicted per bin for the top few candidates (None without calibration tables)."""
    if not result.calibration:
        return None
    plt = _plt()
    m = METRICS[result.primary]
    ranked = sorted(_ok(result), key=lambda r: _value(r, result.primary), reverse=m.higher_is_better)
    names = [val(r, "name") for r in ranked if val(r, "name") in result.calibration]
    if result.chosen in result.calibration and result.chosen not in names[:TOP]:
        names = [result.chosen, *names]
    names = names[:TOP]
    fig, ax = plt.subplots(figsize=SIZE)
    if result.problem.task == "binary":
        _binary_calibration(ax, result, names)
    else:
        _count_calibration(ax, result, names)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False, fontsize=FONT - 2)
    ax.set_title(f"Calibration: actual vs predicted (top {len(names)})")
    ax.grid(alpha=0.3)
    fig.tight_layout()
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
    plt = _plt()
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
            f"{usd_tick(_usd(r))} a month" for r in _ok(result)}


def _dollar_axis(ax: Any, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _: usd_rounded(v))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def value_frontier(result: Result) -> Any | None:
    """Net value a month (with its interval) against running cost a month; baselines as lines (``[value]`` only).

    Only the chosen and the leaders are labelled (without overlaps); every point has its
    name, net value and cost as hover text (:func:`value_hover`).
    """
    from matplotlib.ticker import FuncFormatter, LogLocator

    rep = result.value
    rows = [r for r in _ok(result) if r.value is not None]
    if rep is None or not rows:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 4.8))
    for r in rows:
        v, x = r.value, _usd(r)
        chosen = r.name == result.chosen
        colour = CHOSEN if chosen else (FRONT if r.name in rep.leaders else OTHER)
        lo, hi = v.net_low if v.net_low is not None else v.net_usd_month, v.net_high or v.net_usd_month
        art = ax.errorbar([x], [v.net_usd_month], yerr=[[v.net_usd_month - lo], [hi - v.net_usd_month]], fmt="o",
                          color=colour, ms=9 if chosen else 5, capsize=3, zorder=3)
        art.lines[0].set_gid(f"val-{r.name}")
    lines = [(rep.oracle, "perfect foresight", "#2ca02c"), (rep.nobody, "act on nobody", "#555555")]
    if rep.everybody is not None:
        lines.append((rep.everybody, "act on everybody", "#ff7f0e"))
    for y, label, colour in lines:
        ax.axhline(y, ls="--", lw=1, color=colour, label=f"{label} ({usd_rounded(y)})")
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, numticks=5))
    ax.xaxis.set_major_formatter(FuncFormatter(usd_tick))
    ax.margins(x=0.15)
    fig = _value_axes(fig, ax, "running cost a month (log scale)", "net value a month (value - running cost)",
                      "Net value vs running cost (bars: interval; blue: leaders; hover for names)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False, fontsize=8)
    fig.tight_layout()
    named = sorted((r for r in rows if r.name == result.chosen or r.name in rep.leaders),
                   key=lambda r: (r.name != result.chosen, -r.value.net_usd_month))
    place_texts(fig, ax, [(r.name + (" ✔" if r.name == result.chosen else ""), _usd(r), r.value.net_usd_month,
                           r.name == result.chosen) for r in named], size=8)
    return fig


def value_hover(result: Result) -> dict[str, str]:
    """Hover text for every point of :func:`value_frontier`: name, net value and running cost a month."""
    return {f"val-{r.name}": f"{r.name}: nets {usd_rounded(r.value.net_usd_month)} a month at {usd_tick(_usd(r))} "
            "running cost" for r in _ok(result) if getattr(r, "value", None) is not None}


def value_curves(result: Result) -> Any | None:
    """Net value a month against the share acted on, for the leading candidates and perfect foresight."""
    rep = result.value
    if rep is None or not rep.curves:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 4.8))
    names = sorted(rep.leaders or rep.curves, key=lambda n: -rep.candidates[n].net)[:TOP]
    if result.chosen in rep.curves and result.chosen not in names:
        names.append(result.chosen)
    for name in names:
        shares, vals = rep.curves[name]
        ax.plot(100 * shares, vals, lw=2.2 if name == result.chosen else 1.2,
                label=name + (" ✔" if name == result.chosen else ""))
    if rep.oracle_curve is not None:
        ax.plot(100 * rep.oracle_curve[0], rep.oracle_curve[1], ls="--", color="#2ca02c", lw=1,
                label="perfect foresight")
    at = rep.section.fraction if rep.policy == "top_fraction" else None
    if at is not None:
        ax.axvline(100 * at, color="#777777", ls=":", lw=1, label=f"policy: top {at:.0%}")
    ax.axhline(0, color="#333333", lw=0.6)
    return _value_axes(fig, ax, "share of the population acted on, ranked by the candidate's score (%)",
                       "net value a month", "Value curves: net value against the share acted on")


def _value_axes(fig: Any, ax: Any, xlabel: str, ylabel: str, title: str) -> Any:
    """The value plots' common finish: dollar ticks on y, labels, legend, grid, tight layout."""
    _dollar_axis(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
