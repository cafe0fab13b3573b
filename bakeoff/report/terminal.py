"""The Rich trade-off table and the live per-candidate progress lines."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from bakeoff.report.format import cells, headers, shown_rows
from bakeoff.result import Result
from bakeoff.row import Row, Status

STYLE = {Status.OK: "green", Status.SKIPPED: "dim", Status.FAILED: "red", Status.TIMEOUT: "yellow"}


def progress_printer(console: Console) -> Any:
    """A progress callback printing one line per finished candidate."""
    def show(event: str, row: Row) -> None:
        if event == "start":
            if console.is_terminal:
                console.print(f"[dim]… rung {row.rung} {row.name}[/dim]", end="\r")
            return
        colour = STYLE.get(row.status, "white")
        took = f" {row.fit_s:.2f}s" if row.fit_s is not None else ""
        msg = f" — {row.message[:70]}" if row.message else ""
        console.print(f"[{colour}]{row.status.value:>7}[/{colour}] rung {row.rung} {row.name}{took}{msg}")
    return show


def render(result: Result, console: Console) -> None:
    """Print the trade-off table, the choice and the sentences."""
    table = Table(title=f"Bake-off: {result.experiment.name}", show_lines=False)
    for h in headers(result):
        table.add_column(h, overflow="fold")
    rows, note = shown_rows(result)
    for row in rows:
        cols = cells(result, row)
        style = "bold" if row.name == result.chosen else STYLE.get(row.status, "")
        table.add_row(*cols, style=style if not row.ok or row.name == result.chosen else None)
    console.print(table)
    if note:
        console.print(f"[dim]{note}[/dim]")
    console.print(f"[bold]{result.reason}[/bold]")
    for s in result.sentences[:6]:
        console.print(f"• {s}")
    if result.out_dir:
        console.print(f"[dim]Wrote {result.out_dir}/ results.json, tradeoff.csv, report.md, report.html "
                      f"({result.wall_s:.1f}s)[/dim]")
