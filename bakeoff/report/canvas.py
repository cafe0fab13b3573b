"""What every report figure shares: pyplot set up once, sizes and colours, the dollar cost axis, the bands
under a plot (legend and legend table) and the arrows that stand for lines too far off the axis to draw.

Sizes are chosen for the page: the HTML shows a figure at least 560 px wide, so a figure is
:data:`WIDTH` inches wide and no text is smaller than :data:`SMALL` points, which is at least
11 px on screen (``SMALL * 560 / (WIDTH * 72)``, with room for the SVG's padding).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from bakeoff.core.money import usd_axis
from bakeoff.core.records import Status
from bakeoff.report.fields import val

WIDTH = 6.2  # inches; every report figure
PLOT_HEIGHT = 4.2  # inches for the title, the axes and their labels
FONT = 12
SMALL = 10  # the smallest text in any figure (legends, tables, point labels)
CHOSEN, FRONT, OTHER = "#d62728", "#1f77b4", "#8c8c8c"
CENT = 0.01
FLOOR = 0.003  # where a cost under a cent is drawn: the "<$0.01" tick, left of $0.01
LINE_IN = 0.24  # inches a row of a legend or a legend table takes


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend with the report's fonts (SVG text kept as text)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": FONT, "axes.titlesize": FONT + 1, "axes.labelsize": FONT - 1,
                         "legend.fontsize": SMALL, "xtick.labelsize": FONT - 1, "ytick.labelsize": FONT - 1,
                         "svg.fonttype": "none", "svg.hashsalt": "bakeoff", "axes.formatter.use_mathtext": False})
    return plt


def ok_rows(result: Any) -> list[Any]:
    """The rows a figure draws as points: finished (OK) with metrics and a cost."""
    return [r for r in result.rows if Status(val(r, "status")) is Status.OK and val(r, "metrics") and val(r, "cost")]


def monthly_usd(row: Any) -> float:
    """A row's monthly cost (0 when unknown)."""
    return val(val(row, "cost"), "monthly_usd") or 0.0


def shown_cost(usd: float | None) -> float:
    """Where a monthly cost sits on the cost axis: costs under a cent all sit at :data:`FLOOR` ("<$0.01")."""
    amount = usd or 0.0
    return amount if amount >= FLOOR else FLOOR


def cost_axis(ax: Any, costs: Sequence[float], label: str) -> None:
    """A log cost axis over ``costs`` (already :func:`shown_cost`): decade ticks read ``$0.01``, ``$1``, ``$100``,
    the floor reads ``<$0.01``; at most six labelled ticks and no minor ticks."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    low, high = min(costs), max(max(costs), CENT)
    ax.set_xscale("log")
    ax.set_xlim(low / 4, high * 2.5)  # room left of the "<$0.01" column, where most rules sit
    first, last = math.floor(math.log10(max(low, CENT)) + 1e-9), math.floor(math.log10(high * 2.5) + 1e-9)
    decades = list(range(first, last + 1))
    stride = math.ceil(len(decades) / (5 if low < CENT else 6))
    ticks = [10.0 ** d for d in decades[::-1][::stride][::-1]]
    if sum(low / 4 <= t <= high * 2.5 for t in ticks) < 2:  # within one decade: $2 and $5 steps too
        ticks = [t for d in range(first - 1, last + 1) for t in (10.0 ** d, 2 * 10.0 ** d, 5 * 10.0 ** d)
                 if max(low / 4, CENT) <= t <= high * 2.5]
    if low < CENT:
        ticks.insert(0, FLOOR)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(usd_axis))
    ax.set_xlabel(label)


def figure_with_bands(legend_rows: int, table_rows: int) -> tuple[Any, Any, float, float]:
    """A figure with the plot on top and, under it, room for a legend and a legend table (see :func:`settle`).

    Returns:
        The figure, its axes, the top of the legend band and the height of the table band (figure fractions).
    """
    plt = pyplot()
    legend_in = legend_rows * LINE_IN + (0.1 if legend_rows else 0.0)
    table_in = (table_rows + 1) * LINE_IN + 0.12 if table_rows else 0.0
    height = PLOT_HEIGHT + legend_in + table_in
    fig, ax = plt.subplots(figsize=(WIDTH, height))
    return fig, ax, (legend_in + table_in) / height, table_in / height


def settle(fig: Any, bottom: float) -> None:
    """Lay the plot out above ``bottom`` (a figure fraction) once its ticks, labels and title are set: before the
    band's legend and table are added and before labels are placed (they are placed in pixels)."""
    fig.tight_layout(rect=(0, bottom, 1, 1))


def band_legend(fig: Any, handles: list[Any], top: float, ncol: int = 2) -> None:
    """The legend across the band under the plot (``top``: where the band starts, a figure fraction)."""
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, top), ncol=ncol, frameon=False,
               fontsize=SMALL, handletextpad=0.4, columnspacing=1.2, borderaxespad=0.0)


def legend_rows(count: int, ncol: int = 2) -> int:
    """Rows a band legend of ``count`` entries takes."""
    return math.ceil(count / ncol)


def table_rows(count: int) -> int:
    """Rows a legend table of ``count`` entries takes (beyond eight: two column groups side by side)."""
    return math.ceil(count / 2) if count > 8 else count


def legend_table(fig: Any, header: list[str], rows: list[list[str]], height: float) -> None:
    """A table in the bottom band of the figure (``height``: the band, a figure fraction), rows beyond
    eight shown in two column groups side by side so it stays short."""
    if not rows:
        return
    split = len(rows) > 8
    half = math.ceil(len(rows) / 2)
    right = rows[half:] + [[""] * len(header)] * (2 * half - len(rows))
    cells = [left + more for left, more in zip(rows[:half], right, strict=True)] if split else rows
    tab = fig.add_axes((0.03, 0.01, 0.94, max(height - 0.02, 0.01)))
    tab.axis("off")
    widths = [0.06, 0.46, 0.24, 0.24][:len(header)]
    table = tab.table(cellText=cells, colLabels=header * (2 if split else 1), cellLoc="left", loc="upper center",
                      colWidths=[w / (2 if split else 1) for w in widths * (2 if split else 1)],
                      bbox=(0, 0, 1, 1))
    table.auto_set_font_size(False)
    table.set_fontsize(SMALL)
    for (row, _col), cell in table.get_celld().items():
        cell.set_edgecolor("#dddddd")
        cell.PAD = 0.04
        if row == 0:
            cell.set_text_props(fontweight="bold")


def edge_arrows(ax: Any, lines: list[tuple[float, str, str]]) -> list[Any]:
    """Lines that would squash the axis (``(y, text, colour)`` beyond the y limits), each drawn as an arrow at the
    edge it lies past, pointing off the axis, with its text; returns the texts (obstacles for labels)."""
    high = ax.get_ylim()[1]
    out, used = [], {"top": 0, "bottom": 0}
    for y, text, colour in lines:
        edge = "top" if y > high else "bottom"
        slot = used[edge]
        used[edge] += 1
        tip = (0.985 - 0.5 * slot, 1.0 if edge == "top" else 0.0)
        base = (tip[0], 0.9 if edge == "top" else 0.1)
        out.append(ax.annotate(text, xy=tip, xycoords="axes fraction", xytext=base, textcoords="axes fraction",
                               ha="right", va="center", fontsize=SMALL, color=colour,
                               arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.2,
                                           "relpos": (1.0, 0.5)}))
    return out


def drawn_with_room(draw: Callable[[tuple[str, ...]], tuple[Any, list[str]]]) -> Any:
    """The figure ``draw(listed)`` makes; a name that found no room on it moves to the table and it is drawn again."""
    fig, missed = draw(())
    if missed:
        pyplot().close(fig)
        fig, _ = draw(tuple(missed))
    return fig
