"""The Rich trade-off table (fitted to the terminal's width), the choice and the summary sentences."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bakeoff.core.records import Status
from bakeoff.data.drift import drift_lines
from bakeoff.report.fields import val
from bakeoff.report.format import cells, headers, shown_rows
from bakeoff.report.headline import decision, evidence
from bakeoff.report.live import STYLE, finished_line, progress_display
from bakeoff.report.result import Result
from bakeoff.report.words import meaning, summary

# Columns dropped whole when the table does not fit, least useful to a business reader first (by header; the CI
# column is the one ending in " CI"). The candidate, the metric, $/month and net value are never dropped.
DROP_FIRST = ("size", "predict/1k", "fit", "bias", "share", "value $/mo (CI)", "rung", " CI", "best set",
              "vs best", "pareto", "status")
SQUEEZE = {"candidate": 14, "status": 8, "net $/mo (CI)": 26, "value $/mo (CI)": 26}  # wrap (never crop) down to

__all__ = ["fit_columns", "progress_display", "progress_printer", "render", "table_of"]


def progress_printer(console: Console) -> Any:
    """A progress callback printing one line per finished candidate (kept for API users)."""
    def show(event: str, row: dict[str, Any]) -> None:
        if event == "done":
            console.print(finished_line(row))
    return show


def fit_columns(head: list[str], widths: list[int], width: int, *, squeeze: dict[str, int] | None = None,
                all_ok: bool = False) -> list[int]:
    """Indexes of the columns to keep so that the table fits ``width`` characters, dropping whole columns.

    ``widths`` are each column's widest cell (header included). The columns in ``squeeze`` (default
    :data:`SQUEEZE`) wrap down to that many characters before anything is dropped; then columns go in
    :data:`DROP_FIRST` order, the status column first when every candidate is OK (it then says nothing). Rich
    adds three characters per column (padding and border) and one for the left edge.
    """
    squeeze = SQUEEZE if squeeze is None else squeeze
    keep = list(range(len(widths)))

    def need(cols: list[int]) -> int:
        return sum(min(widths[c], squeeze.get(head[c], widths[c])) for c in cols) + 3 * len(cols) + 1

    order = ("status", *DROP_FIRST) if all_ok else DROP_FIRST
    for name in order:
        if need(keep) <= width:
            break
        keep = [c for c in keep if not (head[c] == name or (name == " CI" and head[c].endswith(" CI")))]
    return keep


def squeezed_widths(head: list[str], widths: list[int], keep: list[int], width: int,
                    squeeze: dict[str, int]) -> dict[int, int]:
    """The width of each kept wrapping column: its widest cell when the table fits, else its minimum plus a share
    of what is left, the candidate column served first."""
    wrap = [i for i in keep if head[i] in squeeze]
    room = width - 1 - 3 * len(keep) - sum(widths[i] for i in keep if i not in wrap)
    sized = {i: min(widths[i], squeeze[head[i]]) for i in wrap}
    spare = room - sum(sized.values())
    for i in wrap:
        extra = max(0, min(widths[i] - sized[i], spare))
        sized[i] += extra
        spare -= extra
    return sized


def dollar_sentences(result: Result) -> list[str]:
    """With ``[value]``: one sentence in dollars per leader in net value (at most four)."""
    if result.value is None or not result.value.leaders:
        return []
    from bakeoff.judge.front import Margins
    from bakeoff.judge.words import value_sentences

    ok = [r for r in result.rows if r.ok]
    return value_sentences(result.value, ok, result.value.leaders, result.experiment.score.confidence,
                           Margins.of(result.experiment.cost))


def _story(result: Result, console: Console, sentences: int) -> None:
    """What the headline metric means, the summary sentences and, with ``[value]``, the sentences in dollars."""
    _say(console, meaning(result))
    for text in summary(result)[:sentences] + dollar_sentences(result):
        _say(console, f"• {text}")


def _say(console: Console, text: str, style: str = "") -> None:
    """Print words as they are: square brackets in them (``[cost] probe_cache``) are text, not Rich markup."""
    console.print(f"[{style}]{escape(text)}[/{style}]" if style else escape(text))


def table_of(result: Result, width: int) -> tuple[Table, list[str], str]:
    """The trade-off table fitted to ``width`` characters, the headers of the columns left out, and the note on
    candidates not applicable to the problem."""
    rows, note = shown_rows(result)
    head = headers(result)
    body = [cells(result, r) for r in rows]
    widths = [max([len(h)] + [len(b[i]) for b in body]) for i, h in enumerate(head)]
    words = [len(w) for b in body for w in b[head.index("candidate")].split()]
    squeeze = {**SQUEEZE, "candidate": max([SQUEEZE["candidate"], *words])}  # wrap between words, never in one
    keep = fit_columns(head, widths, width, squeeze=squeeze,
                       all_ok=all(Status(val(r, "status")) is Status.OK for r in rows))
    sized = squeezed_widths(head, widths, keep, width, squeeze)
    table = Table(title=f"Bake-off: {escape(result.experiment.name)}", show_lines=False)
    for i in keep:
        if i in sized:
            table.add_column(escape(head[i]), overflow="fold", width=sized[i])
        else:
            table.add_column(escape(head[i]), no_wrap=True, min_width=widths[i])
    for row, cols in zip(rows, body, strict=True):
        name, status = val(row, "name"), Status(val(row, "status"))
        style = "bold" if name == result.chosen else STYLE.get(status, "")
        table.add_row(*[escape(cols[i]) for i in keep], style=style if status is not Status.OK or name == result.chosen
                      else None)
    return table, [head[i] for i in range(len(head)) if i not in keep], note


def render(result: Result, console: Console, *, quiet: bool = False, sentences: int = 3) -> None:
    """Print the trade-off table, the decision and its evidence, and three summary sentences.

    With ``quiet`` only the table and the decision are printed.
    """
    table, dropped, note = table_of(result, console.width)
    console.print(table)
    if dropped and not quiet:
        _say(console, f"Left out to fit {console.width} columns: {', '.join(dropped)} (all in report.html and "
                      "tradeoff.csv).", "dim")
    if note and not quiet:
        _say(console, note, "dim")
    for line in result.scale_notes():
        _say(console, line, "dim")
    if result.problem.labels:
        _say(console, result.problem.labels, "dim")
    _say(console, decision(result), "bold")
    if quiet:
        return
    _say(console, evidence(result), "dim")
    _story(result, console, sentences)
    if result.sentences:
        where = f"{result.out_dir}/report.html" if result.out_dir else "results.json"
        _say(console, f"The choice rule in full and all {len(result.sentences)} comparisons, one per candidate, are "
                      f"in {where}.", "dim")
    if result.champion:
        _say(console, f"• {result.champion['sentence']}")
    for line in result.notes:
        _say(console, line, "dim")
    for line in drift_lines(result.drift):
        _say(console, f"⚠ drift: {line}", "yellow")
    if result.out_dir:
        _say(console, f"Wrote {result.out_dir}/ results.json, tradeoff.csv, report.md, report.html "
                      f"({result.wall_s:.1f}s)", "dim")
