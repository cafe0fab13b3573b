"""Score predictions on the holdout: metrics, bootstrap CIs and paired comparisons.

Every candidate is resampled with the *same* bootstrap indices (seeded by the
experiment seed), so differences between candidates are paired.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bakeoff.errors import ConfigError, did_you_mean
from bakeoff.frame import Problem
from bakeoff.metrics import DEFAULTS, METRICS, Metric

NOT_PRIMARY = {"bias_pct"}


def metric_names(problem: Problem, primary: str | None, extra: tuple[str, ...] | None) -> tuple[str, ...]:
    """The metrics to report, primary first.

    Raises:
        ConfigError: For an unknown metric or one that does not fit the task.
    """
    key = "spend" if problem.kind == "customer_base" and problem.target == "spend" else problem.task
    names = list(extra) if extra else list(DEFAULTS[key])
    primary = primary or names[0]
    for name, field_name in [(primary, "primary"), *((n, "metrics") for n in names)]:
        if name not in METRICS:
            raise ConfigError(f"[score].{field_name}: unknown metric '{name}'; expected one of "
                              f"{', '.join(METRICS)}.{did_you_mean(name, METRICS)}")
        if problem.task not in METRICS[name].tasks:
            raise ConfigError(f"[score].{field_name}: metric '{name}' does not fit a {problem.task} target; "
                              f"use one of {', '.join(DEFAULTS[key])}.")
    if primary in NOT_PRIMARY:
        raise ConfigError(f"[score].primary: '{primary}' has no better direction; pick another metric.")
    return (primary, *[n for n in names if n != primary])


@dataclass
class Scores:
    """Point metrics and the primary metric's bootstrap replicates, per candidate."""

    primary: Metric
    confidence: float
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    replicates: dict[str, np.ndarray] = field(default_factory=dict)

    def ci(self, name: str) -> tuple[float, float]:
        """The percentile interval of the primary metric for ``name``."""
        reps = self.replicates.get(name)
        if reps is None or not np.isfinite(reps).any():
            return (float("nan"), float("nan"))
        alpha = (1 - self.confidence) / 2
        return (float(np.nanquantile(reps, alpha)), float(np.nanquantile(reps, 1 - alpha)))

    def diff(self, a: str, b: str) -> tuple[float, float, float, float]:
        """Paired difference a - b of the primary metric: (point, ci_low, ci_high, two-sided p)."""
        point = self.metrics[a][self.primary.name] - self.metrics[b][self.primary.name]
        ra, rb = self.replicates.get(a), self.replicates.get(b)
        if ra is None or rb is None or a == b:
            return (point, point, point, 1.0)
        d = ra - rb
        d = d[np.isfinite(d)]
        if len(d) == 0:
            return (point, float("nan"), float("nan"), float("nan"))
        alpha = (1 - self.confidence) / 2
        p = min(1.0, 2.0 * min(np.mean(d <= 0), np.mean(d >= 0)))
        return (point, float(np.quantile(d, alpha)), float(np.quantile(d, 1 - alpha)), float(p))

    def tied(self, a: str, b: str) -> bool:
        """True if the paired interval of a - b contains zero (no real difference)."""
        _, lo, hi, _ = self.diff(a, b)
        return not (lo > 0 or hi < 0)


def bootstrap_indices(n: int, rounds: int, seed: int) -> np.ndarray:
    """``rounds`` x ``n`` resampling indices from a dedicated, seeded generator."""
    rng = np.random.default_rng([seed, 0xB007])
    return rng.integers(0, n, size=(rounds, n), dtype=np.int64)


def score_all(y: np.ndarray, predictions: dict[str, np.ndarray], names: tuple[str, ...], *,
              rounds: int, confidence: float, seed: int) -> Scores:
    """Point metrics for every candidate and paired bootstrap replicates of the primary one."""
    primary = METRICS[names[0]]
    scores = Scores(primary, confidence)
    idx = bootstrap_indices(len(y), rounds, seed) if rounds else None
    for cand, p in predictions.items():
        scores.metrics[cand] = {m: METRICS[m](y, p) for m in names}
        if idx is not None:
            scores.replicates[cand] = _replicate(primary, y, p, idx)
    return scores


def _replicate(metric: Metric, y: np.ndarray, p: np.ndarray, idx: np.ndarray) -> np.ndarray:
    chunk = max(1, 2_000_000 // max(len(y), 1))
    out = [metric.fn(y[idx[i:i + chunk]], p[idx[i:i + chunk]]) for i in range(0, len(idx), chunk)]
    return np.concatenate(out)
