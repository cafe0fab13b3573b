"""The ``[value]`` figures: net value against running cost, and net value against the share acted on.

Trivial policies (perfect foresight, acting on nobody, acting on everybody) are lines where they sit near the
candidates; one far off (acting on everybody can lose millions where the candidates make thousands) is an
arrow at the edge of the axis with its value, so the candidates keep the height of the plot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bakeoff.core.money import usd_axis, usd_rounded
from bakeoff.report.canvas import (
    CHOSEN,
    FRONT,
    OTHER,
    band_legend,
    cost_axis,
    drawn_with_room,
    edge_arrows,
    figure_with_bands,
    legend_rows,
    legend_table,
    monthly_usd,
    ok_rows,
    settle,
    shown_cost,
    table_rows,
)
from bakeoff.report.fields import val
from bakeoff.report.labels import Mark, place_labels

TOP = 3
FALL = 1.5  # value curves falling below -FALL x their peak are cut at the axis (an arrow says how far)
NEAR = 0.5  # a trivial policy within this many spans of the candidates' range is drawn as a line
ORACLE, NOBODY, EVERYBODY = "#2ca02c", "#555555", "#ff7f0e"


@dataclass(frozen=True)
class _View:
    """What the net-value figure shows: its y limits, the lines drawn, the lines drawn as edge arrows."""

    ylim: tuple[float, float]
    near: list[tuple[float, str, str]]  # (y, text, colour)
    far: list[tuple[float, str, str]]
    best: str


def _bounds(row: Any) -> tuple[float, float, float]:
    """A row's net value a month with its interval (low, net, high)."""
    value = val(row, "value")
    net = value.net_usd_month
    low = value.net_low if value.net_low is not None else net
    high = value.net_high if value.net_high is not None else net
    return low, net, high


def _view(rep: Any, rows: list[Any]) -> _View:
    spans = [_bounds(r) for r in rows]
    low, high = min(s[0] for s in spans), max(s[2] for s in spans)
    span = (high - low) or abs(high) * 0.2 or 1.0
    lines = [(rep.oracle, "perfect foresight", ORACLE), (rep.nobody, "act on nobody", NOBODY)]
    if rep.everybody is not None:
        lines.append((rep.everybody, "act on everybody", EVERYBODY))
    near = [line for line in lines if low - NEAR * span <= line[0] <= high + NEAR * span]
    far = [line for line in lines if line not in near]
    low, high = min([low] + [y for y, _, _ in near]), max([high] + [y for y, _, _ in near])
    pad = 0.08 * ((high - low) or span)
    band = 2.5 * pad  # room at an edge for the arrow of a line beyond it
    ylim = (low - pad - band * any(y < low for y, _, _ in far), high + pad + band * any(y > high for y, _, _ in far))
    best = max(rows, key=lambda r: _bounds(r)[1])
    return _View(ylim, near, far, val(best, "name"))


def value_frontier(result: Any) -> Any | None:
    """Net value a month (with its interval) against running cost a month; baselines as lines (``[value]`` only).

    The chosen, the best and the leaders are labelled by name, the others numbered and listed in a table
    under the plot; every point has its name, net value and cost as hover text (:func:`value_hover`).
    """
    rep = result.value
    rows = [r for r in ok_rows(result) if val(r, "value") is not None]
    if rep is None or not rows:
        return None
    view = _view(rep, rows)
    return drawn_with_room(lambda listed: _draw_value(result, rows, view, listed))


def _role(row: Any, result: Any, view: _View) -> str:
    name = val(row, "name")
    if name == result.chosen:
        return "chosen"
    return "front" if name == view.best or name in result.value.leaders else "other"


def _draw_value(result: Any, rows: list[Any], view: _View, listed: tuple[str, ...]) -> tuple[Any, list[str]]:
    """The net-value figure, with ``listed`` names in the table; returns it and the names that found no room."""
    others = [r for r in rows if _role(r, result, view) == "other" or val(r, "name") in listed]
    handles = _value_handles(view, bool(others))
    fig, ax, top, table_h = figure_with_bands(legend_rows(len(handles)), table_rows(len(others)))
    dots = {val(r, "name"): (shown_cost(monthly_usd(r)), _bounds(r)[1]) for r in rows}
    for r in rows:
        _value_dot(ax, r, dots[val(r, "name")], _role(r, result, view))
    for y, _, colour in view.near:
        ax.axhline(y, ls="--", lw=1, color=colour, zorder=1)
    ax.set_ylim(*view.ylim)
    arrows = edge_arrows(ax, [(y, f"{text}: {usd_rounded(y)}", colour) for y, text, colour in view.far])
    cost_axis(ax, [x for x, _ in dots.values()], "running cost a month (log scale)")
    _dollar_y(ax, "net value a month (value - running cost)")
    ax.set_title("Net value vs running cost")
    ax.grid(alpha=0.3)
    settle(fig, top)
    band_legend(fig, handles, top)
    legend_table(fig, ["#", "candidate", "net a month", "running"],
                 [[str(i), val(r, "name"), usd_rounded(_bounds(r)[1]), usd_axis(monthly_usd(r))]
                  for i, r in enumerate(others, 1)], table_h)
    named = sorted((r for r in rows if _role(r, result, view) != "other" and val(r, "name") not in listed),
                   key=lambda r: (val(r, "name") != result.chosen, val(r, "name") != view.best, -_bounds(r)[1]))
    marks = [Mark(val(r, "name"), val(r, "name") + (" ✔" if val(r, "name") == result.chosen else ""),
                  *dots[val(r, "name")], CHOSEN if val(r, "name") == result.chosen else FRONT,
                  bold=val(r, "name") == result.chosen) for r in named]
    marks += [Mark(val(r, "name"), str(i), *dots[val(r, "name")], OTHER) for i, r in enumerate(others, 1)
              if val(r, "name") not in listed]
    lines = [((x, _bounds(r)[0]), (x, _bounds(r)[2])) for r in rows for x in [dots[val(r, "name")][0]]]
    lines += [((ax.get_xlim()[0], y), (ax.get_xlim()[1], y)) for y, _, _ in view.near]
    missed = place_labels(fig, ax, marks, list(dots.values()), arrows, lines)
    return fig, [mk.key for mk in missed if not mk.text.isdigit()]


def _value_dot(ax: Any, row: Any, at: tuple[float, float], role: str) -> None:
    low, net, high = _bounds(row)
    colour = {"chosen": CHOSEN, "front": FRONT}.get(role, OTHER)
    art = ax.errorbar([at[0]], [net], yerr=[[net - low], [high - net]], fmt="o", color=colour,
                      ms=10 if role == "chosen" else 6, capsize=3, zorder=4 if role == "chosen" else 3,
                      mec="white", mew=0.8)
    for bar in [*art.lines[1], *art.lines[2]]:
        bar.set_zorder(2.5 if role == "chosen" else 2)  # an interval must not hide another candidate's dot
    art.lines[0].set_gid(f"val-{val(row, 'name')}")


def _value_handles(view: _View, others: bool) -> list[Any]:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", ls="", color=CHOSEN, markersize=9, label="chosen (✔)"),
               Line2D([], [], marker="o", ls="", color=FRONT, label="leaders (the set of the best)")]
    if others:
        handles.append(Line2D([], [], marker="o", ls="", color=OTHER, label="others (number: table below)"))
    handles.append(Line2D([], [], marker="|", ls="", color="black", markersize=12, label="bar: interval"))
    handles += [Line2D([], [], ls="--", color=colour, label=f"{text} ({usd_rounded(y)})")
                for y, text, colour in view.near]
    return handles


def _dollar_y(ax: Any, label: str) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda amount, _: usd_rounded(amount)))
    ax.set_ylabel(label)


def value_hover(result: Any) -> dict[str, str]:
    """Hover text for every point of :func:`value_frontier`: name, net value and running cost a month."""
    return {f"val-{val(r, 'name')}": f"{val(r, 'name')}: nets {usd_rounded(_bounds(r)[1])} a month at "
            f"{usd_axis(monthly_usd(r))} running cost" for r in ok_rows(result) if val(r, "value") is not None}


def value_curves(result: Any) -> Any | None:
    """Net value a month against the share acted on, for the leading candidates and perfect foresight."""
    rep = result.value
    if rep is None or not rep.curves:
        return None
    names = sorted(rep.leaders or rep.curves, key=lambda n: -rep.candidates[n].net)[:TOP]
    if result.chosen in rep.curves and result.chosen not in names:
        names.append(result.chosen)
    at = rep.section.fraction if rep.policy == "top_fraction" else None
    entries = len(names) + (rep.oracle_curve is not None) + (at is not None)
    fig, ax, top, _ = figure_with_bands(legend_rows(entries), 0)
    for name in names:
        shares, values = rep.curves[name]
        ax.plot(100 * shares, values, lw=2.2 if name == result.chosen else 1.2,
                label=name + (" ✔" if name == result.chosen else ""))
    if rep.oracle_curve is not None:
        ax.plot(100 * rep.oracle_curve[0], rep.oracle_curve[1], ls="--", color=ORACLE, lw=1,
                label="perfect foresight")
    if at is not None:
        ax.axvline(100 * at, color="#777777", ls=":", lw=1, label=f"policy: top {at:.0%}")
    ax.axhline(0, color="#333333", lw=0.6)
    _clip_fall(ax, [rep.curves[n][1] for n in names] + ([rep.oracle_curve[1]] if rep.oracle_curve else []))
    _dollar_y(ax, "net value a month")
    ax.set_xlabel("share acted on, highest scores first (%)")
    ax.set_title("Net value against the share acted on")
    ax.grid(alpha=0.3)
    settle(fig, top)
    band_legend(fig, ax.get_legend_handles_labels()[0], top)
    return fig


def _clip_fall(ax: Any, curves: list[Any]) -> None:
    """Where the curves fall far below their peak (acting on everybody can lose millions where the best share
    earns thousands), cut the axis at the peak's mirror and mark the fall with an arrow at the bottom edge."""
    peak = max(max(float(max(c)) for c in curves), 0.0)
    floor = min(float(min(c)) for c in curves)
    if peak <= 0 or floor >= -FALL * peak:
        return
    ax.set_ylim(-1.1 * peak, 1.1 * peak)
    edge_arrows(ax, [(floor, f"curves fall to {usd_rounded(floor)}", NOBODY)])
