"""Run candidates' turns up to ``[executor] workers`` at a time, each in its own hard box.

The local engine starts workers without waiting for them (:func:`bakeoff.executor.launch`)
and collects them as they finish or pass their deadline; the Ray and inline engines run
one turn at a time through a blocking call. Each candidate is fitted and scored on its
own, with its own seed, so the table does not depend on the order or the concurrency
(timings aside). While candidates run, their progress files (written by
``Budget.report``) are read and passed on as ``tick`` events, and a ``beat`` event is
sent a few times a second so live displays can move their clocks.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bakeoff.row import Row

POLL_S = 0.25


def workers_of(configured: int | None, engine: str) -> int:
    """Workers for a run: ``[executor] workers``, else the number of cores (one for the inline engine)."""
    if engine == "inline":
        return 1
    return max(1, configured or os.cpu_count() or 1)


@dataclass
class Slot:
    """A candidate that is running: its index in the ladder, its row so far, its worker and progress file."""

    index: int
    row: Row
    handle: Any
    progress: Path
    seen: int = 0


@dataclass
class Climb:
    """The state of one climb: finished rows by ladder index and the running slots."""

    n: int
    rows: dict[int, Row] = field(default_factory=dict)
    running: list[Slot] = field(default_factory=list)

    def ordered(self) -> list[Row]:
        """The finished rows in ladder order."""
        return [self.rows[i] for i in sorted(self.rows)]


def read_progress(slot: Slot) -> dict[str, Any] | None:
    """The newest record a running candidate appended to its progress file, if any is new."""
    try:
        size = slot.progress.stat().st_size
    except OSError:
        return None
    if size <= slot.seen:
        return None
    with slot.progress.open("rb") as fh:
        fh.seek(max(slot.seen, size - 4096))
        lines = fh.read(size - fh.tell()).decode("utf-8", "replace").splitlines()
    slot.seen = size
    for line in reversed(lines):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            return record
    return None


def poll(climb: Climb, collect: Callable[[list[Any], float], list[tuple[Any, Any]]],
         progress: Callable[[str, Any], None]) -> list[tuple[Slot, Any]]:
    """Wait briefly for running workers; pass on their progress; return (slot, outcome) of finished ones."""
    finished = collect([s.handle for s in climb.running], POLL_S)
    out = []
    for handle, outcome in finished:
        slot = next(s for s in climb.running if s.handle is handle)
        climb.running.remove(slot)
        out.append((slot, outcome))
    for slot in climb.running:
        record = read_progress(slot)
        if record:
            progress("tick", {"name": slot.row.name, **record})
    progress("beat", {})
    return out
