"""Score predictions on the holdout: metrics, bootstrap CIs and paired comparisons.

CI method: ordinary (multinomial) bootstrap of holdout rows, ``[score].bootstrap`` resamples;
a candidate's interval is the percentile interval at ``[score].confidence``. Every candidate is
scored on the *same* resamples (drawn in seeded chunks from the experiment seed), so differences
between candidates are paired; comparisons are simultaneous max-T intervals (:mod:`bakeoff.judge.maxt`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from bakeoff.candidates.metrics import DEFAULTS, METRICS, Metric
from bakeoff.core.errors import ConfigError, did_you_mean
from bakeoff.data.frame import Problem
from bakeoff.judge.maxt import Judgement
from bakeoff.judge.studentize import MomentSums, RowMoments, affordable

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
    """Point metrics and the primary metric's bootstrap replicates, per candidate.

    Intervals of one candidate's metric (``ci``) are percentile bootstrap intervals. Every
    comparison between candidates goes through :attr:`judgement` (simultaneous studentized
    max-T intervals, :mod:`bakeoff.judge.maxt`), the one notion of "shown better" in the table.
    """

    primary: Metric
    confidence: float
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    replicates: dict[str, np.ndarray] = field(default_factory=dict)
    rounds: int = 0
    n: int = 0
    moments: RowMoments | None = None
    _judgements: dict[tuple[str, ...], Judgement] = field(default_factory=dict, repr=False)

    def ci(self, name: str) -> tuple[float, float]:
        """The percentile interval of the primary metric for ``name``."""
        reps = self.replicates.get(name)
        if reps is None or not np.isfinite(reps).any():
            return (float("nan"), float("nan"))
        alpha = (1 - self.confidence) / 2
        return (float(np.nanquantile(reps, alpha)), float(np.nanquantile(reps, 1 - alpha)))

    def judge(self, names: tuple[str, ...]) -> Judgement:
        """The simultaneous comparison of ``names`` (cached; the family is exactly these names)."""
        names = tuple(names)
        if names not in self._judgements:
            point = np.array([self.metrics[n][self.primary.name] for n in names], dtype=float)
            reps, moments = None, None
            if self.replicates and all(n in self.replicates for n in names):
                reps = np.column_stack([self.replicates[n] for n in names]) if names else None
                moments = self._moments(names)
            self._judgements[names] = Judgement.from_replicates(
                names, point, reps, higher_is_better=self.primary.higher_is_better, confidence=self.confidence,
                studentized=moments)
        return self._judgements[names]

    def _moments(self, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
        """The holdout's and every resample's pair standard errors for ``names`` (None: not computed)."""
        if self.moments is None or len(names) < 2 or not set(names) <= set(self.moments.names):
            return None
        sub = self.moments.select(names)
        return sub.point_se(), sub.replicate_se()

    def diff(self, first: str, second: str) -> tuple[float, float, float, float]:
        """Paired difference a - b on its own (two candidates, no multiplicity): point, interval, p."""
        j = self.judge((first, second)) if first != second else self.judge((first,))
        if first == second:
            return (0.0, 0.0, 0.0, 1.0)
        point, lo, hi = j.interval(0, 1)
        up = j.p_value(0, 1)
        return (point, lo, hi, up)

    def tied(self, first: str, second: str) -> bool:
        """True if neither of the two is shown better than the other (pair on its own)."""
        if first == second:
            return True
        j = self.judge((first, second))
        return not (j.shown_better(0, 1) or j.shown_better(1, 0))


CHUNK_ELEMENTS = 2_000_000


def bootstrap_chunks(count: int, rounds: int, seed: int) -> Iterator[np.ndarray]:
    """Resampling indices, ``rounds`` rows of ``n`` in all, yielded a few rows at a time.

    Ordinary (multinomial) bootstrap of holdout rows. Chunk ``c`` comes from its own
    generator seeded by ``(seed, c)`` and holds at most ``CHUNK_ELEMENTS`` indices (at least
    one resample), so memory is bounded whatever ``rounds`` is, and the same (n, rounds, seed)
    always gives the same resamples.
    """
    per = max(1, CHUNK_ELEMENTS // max(count, 1))
    dtype = np.int32 if count < 2**31 else np.int64
    for c, start in enumerate(range(0, rounds, per)):
        rng = np.random.default_rng([seed, 0xB007, c])
        yield rng.integers(0, count, size=(min(per, rounds - start), count), dtype=dtype)


def score_all(actual: np.ndarray, predictions: dict[str, np.ndarray], names: tuple[str, ...], *,
              rounds: int, confidence: float, seed: int) -> Scores:
    """Point metrics for every candidate and paired bootstrap replicates of the primary one.

    The resamples are drawn chunk by chunk and every candidate is scored on each chunk
    before the next is drawn: identical pairing across candidates, no ``rounds x n`` matrix.
    """
    primary = METRICS[names[0]]
    scores = Scores(primary, confidence, rounds=rounds, n=len(actual))
    for cand, p in predictions.items():
        scores.metrics[cand] = {m: METRICS[m](actual, p) for m in names}
    if not rounds or not predictions:
        return scores
    scores.replicates, scores.moments = _replicates(primary, actual, predictions, rounds, seed)
    return scores


def _replicates(primary: Metric, actual: np.ndarray, predictions: dict[str, np.ndarray], rounds: int,
                seed: int) -> tuple[dict[str, np.ndarray], RowMoments | None]:
    """The primary metric on every resample, for every candidate (the same resamples for all).

    A mean of per-row terms (``Metric.row_terms``) is computed from each candidate's terms,
    computed once, weighted by how often each row was drawn (one matrix product per chunk of
    resamples for all candidates), instead of from the resampled rows: the same resamples and
    values equal up to floating-point rounding (~1e-15 relative), in a fraction of the time. Such
    a metric also gets each resample's second moments of the terms where affordable
    (:mod:`bakeoff.judge.studentize`), for the bootstrap-t; other metrics get None.
    """
    if primary.row_terms is not None and primary.from_mean is not None:
        return _replicates_of_means(primary, actual, predictions, rounds, seed)
    parts: dict[str, list[np.ndarray]] = {cand: [] for cand in predictions}
    for idx in bootstrap_chunks(len(actual), rounds, seed):
        ys = actual[idx]
        for cand, p in predictions.items():
            parts[cand].append(np.asarray(primary.fn(ys, p[idx]), dtype=float))
    return {cand: np.concatenate(v) for cand, v in parts.items()}, None


def _replicates_of_means(primary: Metric, actual: np.ndarray, predictions: dict[str, np.ndarray], rounds: int,
                         seed: int) -> tuple[dict[str, np.ndarray], RowMoments | None]:
    """:func:`_replicates` for a metric of the mean of per-row terms: resample counts times the terms."""
    assert primary.row_terms is not None and primary.from_mean is not None
    names, n = list(predictions), len(actual)
    terms = np.empty((n, len(names)))
    for j, cand in enumerate(names):
        terms[:, j] = primary.row_terms(actual[None, :], predictions[cand][None, :])[0]
    means = []
    sums = MomentSums(tuple(names), terms) if len(names) > 1 and affordable(rounds, n, len(names)) else None
    for idx in bootstrap_chunks(n, rounds, seed):
        k = idx.shape[0]
        offsets = (np.arange(k, dtype=np.int64) * n)[:, None]
        counts = np.bincount((idx + offsets).ravel(), minlength=k * n).reshape(k, n).astype(float)
        means.append(counts @ terms / n)
        if sums is not None:
            sums.add(counts)
    rep_mean = np.concatenate(means)
    values = np.asarray(primary.from_mean(rep_mean), dtype=float)
    moments = sums.moments(rep_mean, primary.from_mean) if sums is not None else None
    return {cand: np.ascontiguousarray(values[:, j]) for j, cand in enumerate(names)}, moments
