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
from bakeoff.report.live import STYLE, finished_line, progress_display
from bakeoff.report.result import Result
from bakeoff.report.words import headline, summary

# Columns dropped first when the table does not fit, least useful first (indexes into format.HEADERS).
DROP_ORDER = (8, 7, 0, 10, 4, 6)
STATUS, MIN_STATUS = 2, 12

__all__ = ["fit_columns", "progress_display", "progress_printer", "render"]


def progress_printer(console: Console) -> Any:
    """A progress callback printing one line per finished candidate (kept for API users)."""
    def show(event: str, row: dict[str, Any]) -> None:
        if event == "done":
            console.print(finished_line(row))
    return show


def fit_columns(widths: list[int], width: int, extra: tuple[int, ...] = ()) -> list[int]:
    """Indexes of the columns to keep so that the table fits ``width`` characters.

    ``widths`` are each column's widest cell (header included); the status column may be
    abbreviated down to ``MIN_STATUS`` characters before anything is dropped. Columns are
    dropped in ``DROP_ORDER``, then in ``extra`` order (the ``[value]`` columns).
    """
    keep = list(range(len(widths)))

    def need(cols: list[int]) -> int:
        return sum(min(widths[c], MIN_STATUS) if c == STATUS else widths[c] for c in cols) + 3 * len(cols) + 1

    for col in (*DROP_ORDER, *extra):
        if need(keep) <= width:
            break
        if col in keep:
            keep.remove(col)
    return keep


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
    """The headline, the summary sentences and, with ``[value]``, the sentences in dollars."""
    console.print(headline(result))
    for s in summary(result)[:sentences] + dollar_sentences(result):
        console.print(f"• {s}")


def render(result: Result, console: Console, *, quiet: bool = False, sentences: int = 3) -> None:
    """Print the trade-off table, the choice, the headline and three summary sentences.

    With ``quiet`` only the table and the choice are printed.
    """
    rows, note = shown_rows(result)
    head = headers(result)
    body = [cells(result, r) for r in rows]
    widths = [max([len(h)] + [len(b[i]) for b in body]) for i, h in enumerate(head)]
    n = len(head)  # with [value]: share first, then the value interval column; net value stays
    keep = fit_columns(widths, console.width, (n - 1, n - 3) if result.value is not None else ())
    table = Table(title=f"Bake-off: {result.experiment.name}", show_lines=False)
    room = console.width - sum(widths[i] + 3 for i in keep if i != STATUS) - 4
    for i in keep:
        if i == STATUS:
            table.add_column(head[i], overflow="ellipsis", no_wrap=True, max_width=max(MIN_STATUS, room))
        else:
            table.add_column(head[i], no_wrap=True, min_width=widths[i])
    for row, cols in zip(rows, body, strict=True):
        name, status = val(row, "name"), Status(val(row, "status"))
        style = "bold" if name == result.chosen else STYLE.get(status, "")
        table.add_row(*[cols[i] for i in keep], style=style if status is not Status.OK or name == result.chosen
                      else None)
    console.print(table)
    dropped = [head[i] for i in range(len(head)) if i not in keep]
    if dropped and not quiet:
        console.print(f"[dim]Left out to fit {console.width} columns: {', '.join(dropped)} "
                      "(all in report.html / tradeoff.csv).[/dim]")
    if note and not quiet:
        console.print(f"[dim]{note}[/dim]")
    for line in result.scale_notes():
        console.print(f"[dim]{line}[/dim]")
    if result.problem.labels:
        console.print(f"[dim]{escape(result.problem.labels)}[/dim]")
    console.print(f"[bold]{result.reason}[/bold]")
    if quiet:
        return
    _story(result, console, sentences)
    if result.sentences:
        where = f"{result.out_dir}/report.html" if result.out_dir else "results.json"
        console.print(f"[dim]All {len(result.sentences)} comparisons, one per candidate, are in {where}.[/dim]")
    if result.champion:
        console.print(f"• {result.champion['sentence']}")
    for line in result.notes:
        console.print(f"[dim]{escape(line)}[/dim]")
    for line in drift_lines(result.drift):
        console.print(f"[yellow]⚠ drift: {line}[/yellow]")
    if result.out_dir:
        console.print(f"[dim]Wrote {result.out_dir}/ results.json, tradeoff.csv, report.md, report.html "
                      f"({result.wall_s:.1f}s)[/dim]")
