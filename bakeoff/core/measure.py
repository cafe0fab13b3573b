"""Measure a candidate inside its worker: wall and CPU seconds, peak RSS, model size."""

from __future__ import annotations

import pickle
import resource
import time
from dataclasses import dataclass


def cpu_seconds() -> float:
    """User + system CPU seconds of this process, its threads and its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@dataclass
class Stopwatch:
    """Wall and CPU time of a block: ``with Stopwatch() as sw: ...; sw.wall, sw.cpu``."""

    wall: float = 0.0
    cpu: float = 0.0

    def __enter__(self) -> Stopwatch:
        self._wall0, self._cpu0 = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall0
        self.cpu = cpu_seconds() - self._cpu0


def billed(sw: Stopwatch, threads: int = 1) -> float:
    """Seconds billed for a timed block: its CPU seconds, and at least ``wall x threads`` when it holds several.

    One thread: CPU seconds, which waiting for a core shared with the bake-off's other
    candidates (or any other load) does not inflate, as it inflates wall time. Several
    threads: a held core is paid even while idle, so ``max(CPU, wall x threads)``.
    """
    return sw.cpu if threads <= 1 else max(sw.cpu, sw.wall * threads)


def model_kb(model: object) -> float | None:
    """Pickled size in KB, or None when the model cannot be pickled."""
    try:
        return len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)) / 1024.0
    except Exception:  # an unpicklable model is reported, not fatal
        return None
