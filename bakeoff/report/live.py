"""Live progress while a bake-off runs: Rich lines in a terminal or notebook, plain log lines otherwise.

The runner calls the display with events:

- ``("begin", {"total": seconds, "n": candidates, "workers": k})``: the run's total box starts;
- ``("phase", {"text": "loading data"})`` / ``("phase", {"text": ""})``: a spinner for work outside the climb;
- ``("start", row)`` with ``row["box"]``: a candidate starts (one line with elapsed / box);
- ``("tick", {"name": ..., "trials": n, "best": x})``: what a candidate reported so far;
- ``("done", row)``: a candidate finished (a permanent line above the live ones).
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn
from rich.table import Column
from rich.text import Text

from bakeoff.core.records import Status
from bakeoff.report.fields import val

STYLE = {Status.OK: "green", Status.SKIPPED: "dim", Status.FAILED: "red", Status.TIMEOUT: "yellow"}
LOG_EVERY_S = 10.0


def finished_line(row: Any) -> str:
    """The permanent line printed when a candidate finishes (Rich markup)."""
    status, fit, message = Status(val(row, "status")), val(row, "fit_s"), val(row, "message")
    colour = STYLE.get(status, "white")
    took = f" {fit:.2f}s" if fit is not None else ""
    msg = f" — {escape(message[:70])}" if message else ""
    return f"[{colour}]{status.value:>7}[/{colour}] rung {val(row, 'rung')} {escape(val(row, 'name'))}{took}{msg}"


def tick_text(fields: dict[str, Any]) -> str:
    """What a candidate reported: ``12 trials, best CV loss 1.63``."""
    parts = []
    if fields.get("trials") is not None:
        parts.append(f"{fields['trials']} trials")
    if fields.get("best") is not None:
        parts.append(f"best {fields.get('best_label', 'CV')} {fields['best']:.4g}")
    return ", ".join(parts)


class _Elapsed(ProgressColumn):
    """``12.3s / 60s`` from the task's own start, recomputed at every refresh."""

    def __init__(self) -> None:
        super().__init__(table_column=Column(no_wrap=True, min_width=13))

    def render(self, task: Task) -> Text:
        box = task.fields.get("box")
        spent = time.monotonic() - task.fields.get("t0", time.monotonic())
        return Text(f"{spent:5.1f}s" + (f" / {box:.0f}s" if box else ""), style="cyan")


class LiveProgress:
    """A Rich progress display driven by the runner's events (a terminal or a notebook)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        narrow = console.width < 100
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}", table_column=Column(no_wrap=True, overflow="ellipsis")),
            BarColumn(bar_width=10 if narrow else 24), _Elapsed(),
            TextColumn("[dim]{task.fields[note]}", table_column=Column(no_wrap=True, overflow="ellipsis")),
            console=console, transient=True, refresh_per_second=8)
        self.tasks: dict[str, Any] = {}
        self.total: Any = None

    def __call__(self, event: str, row: dict[str, Any]) -> None:
        getattr(self, f"_{event}", lambda _row: None)(row)
        self._refresh_bars()

    def _begin(self, row: dict[str, Any]) -> None:
        self._phase({"text": ""})
        self.progress.start()
        self.total = self.progress.add_task(f"[bold]total box[/bold] ({row.get('workers', 1)} at a time)",
                                            total=row["total"],
                                            box=row["total"], t0=time.monotonic(), note="")

    def _phase(self, row: dict[str, Any]) -> None:
        text = row.get("text", "")
        if "phase" in self.tasks:
            self.progress.remove_task(self.tasks.pop("phase"))
        if text:
            self.progress.start()
            self.tasks["phase"] = self.progress.add_task(f"[dim]{escape(text)}…[/dim]", total=None, box=None,
                                                         t0=time.monotonic(), note="")
        elif self.total is None and not self.tasks:
            self.progress.stop()

    def _start(self, row: dict[str, Any]) -> None:
        if row.get("box") is None:
            return
        self.tasks[row["name"]] = self.progress.add_task(f"rung {row['rung']} {escape(row['name'])}", total=row["box"],
                                                         box=row["box"], t0=time.monotonic(), note="")

    def _tick(self, row: dict[str, Any]) -> None:
        task = self.tasks.get(row["name"])
        if task is not None:
            self.progress.update(task, note=escape(tick_text(row)))

    def _done(self, row: dict[str, Any]) -> None:
        task = self.tasks.pop(val(row, "name"), None)
        if task is not None:
            self.progress.remove_task(task)
        self.console.print(finished_line(row))

    def _end(self, row: dict[str, Any]) -> None:
        for task in list(self.progress.task_ids):
            self.progress.remove_task(task)
        self.tasks.clear()
        self.total = None
        self.progress.stop()

    def _refresh_bars(self) -> None:
        now = time.monotonic()
        for task in self.progress.tasks:
            if task.total is not None and task.fields.get("t0") is not None:
                self.progress.update(task.id, completed=min(now - task.fields["t0"], task.total))


class LogProgress:
    """Plain log lines for pipes and CI: one per start and finish, and a candidate's report every 10 s."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.t0 = time.monotonic()
        self.last: dict[str, float] = {}

    def __call__(self, event: str, row: dict[str, Any]) -> None:
        stamp = escape(f"[{time.monotonic() - self.t0:6.1f}s]")
        if event == "begin":
            self.console.print(f"{stamp} climbing {row.get('n', 0)} candidates, {row.get('workers', 1)} at a time, "
                               f"total box {row['total']:.0f}s", highlight=False)
        elif event == "phase" and row.get("text"):
            self.console.print(f"{stamp} {escape(row['text'])}", highlight=False)
        elif event == "start" and row.get("box") is not None:
            self.console.print(f"{stamp}   start rung {row['rung']} {escape(row['name'])} (box {row['box']:.0f}s)",
                               highlight=False)
        elif event == "tick" and time.monotonic() - self.last.get(row["name"], 0.0) >= LOG_EVERY_S:
            self.last[row["name"]] = time.monotonic()
            self.console.print(f"{stamp}   {escape(row['name'])}: {escape(tick_text(row))}", highlight=False)
        elif event == "done":
            self.console.print(f"{stamp} " + finished_line(row))


def progress_display(console: Console) -> LiveProgress | LogProgress:
    """Live Rich lines in a terminal or notebook; plain log lines when output is not a terminal."""
    if console.is_terminal or console.is_jupyter:
        return LiveProgress(console)
    return LogProgress(console)
