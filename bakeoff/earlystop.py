"""Ladder early stop: stop climbing once two successive rungs fail to beat the best so far."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bakeoff.metrics import Metric
from bakeoff.row import Row


@dataclass
class EarlyStop:
    """Tracks the best holdout score per rung while the ladder is climbed.

    A rung "beats" the best so far when its best candidate improves on it by more than
    ``margin`` (absolute, in the primary metric's units). Two successive rungs that do
    not beat it stop the climb; the remaining candidates are SKIPPED with the reason.
    """

    metric: Metric
    y: np.ndarray
    margin: float
    patience: int = 2
    best: float | None = None
    best_name: str = ""
    rung: int | None = None
    rung_best: tuple[float, str] | None = None
    misses: list[int] = field(default_factory=list)

    def observe(self, row: Row) -> None:
        """Record a finished row of the current rung."""
        if not row.ok or row.predictions is None:
            return
        value = self.metric(self.y, row.predictions)
        if np.isfinite(value) and (self.rung_best is None or self.metric.better(value, self.rung_best[0])):
            self.rung_best = (value, row.name)

    def before(self, rung: int) -> str | None:
        """Called before each candidate: the reason to skip it, or None to keep climbing."""
        if self.rung is not None and rung != self.rung:
            self._close_rung()
        self.rung = rung
        if len(self.misses) < self.patience:
            return None
        a, b = self.misses[-2], self.misses[-1]
        return (f"early stop: rungs {a} and {b} did not beat the best so far ({self.best_name}, "
                f"{self.metric.label} {self.best:.4g}) by more than {self.margin:g}")

    def _close_rung(self) -> None:
        if self.rung_best is None:
            self.misses.append(self.rung)  # nothing finished on this rung
            return
        value, name = self.rung_best
        sign = 1 if self.metric.higher_is_better else -1
        gain = np.inf if self.best is None else (value - self.best) * sign
        if gain > self.margin:
            self.misses.clear()
        else:
            self.misses.append(self.rung)
        if self.best is None or self.metric.better(value, self.best):
            self.best, self.best_name = value, name
        self.rung_best = None
