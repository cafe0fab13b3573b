"""Standard errors of paired metric differences recomputed in every resample (the bootstrap-t's scale).

For a metric that is a function ``g`` of the mean of per-row terms (:class:`bakeoff.candidates.metrics.Metric`
with ``row_terms`` and ``from_mean``: RMSE, MAE, Brier, log loss, Poisson deviance), the
delta-method standard error of ``g(m_i) - g(m_j)`` on a sample of ``n`` rows with row weights
``w`` (the counts of one bootstrap resample, or all ones for the holdout itself) is

    se_ij**2 = (a_i**2 V_ii + a_j**2 V_jj - 2 a_i a_j V_ij) / n,    a_k = g'(m_k),

with ``m`` the weighted means of the terms and ``V`` their weighted covariance. Computed on the
holdout it scales the observed difference; computed again on every resample it scales that
resample's difference, so the observed statistic and its replicates are studentized the same
way: Hall's (1988, "Theoretical comparison of bootstrap confidence intervals", Ann. Stat. 16)
bootstrap-t, whose symmetric intervals are second-order accurate, where a scale held fixed across
resamples leaves the observed statistic's extra variability (its own standard error is estimated)
out of the reference distribution. :mod:`bakeoff.judge.maxt` explains where it is used.

What it needs is every pair's second moment in every resample: ``K (K + 1) / 2`` weighted sums per
resample. They are computed, one matrix product per chunk of resamples, only while ``resamples x
rows x pairs`` stays within :data:`WORK_BUDGET`, the pairwise products within :data:`CELL_BUDGET`
and the standard-error arrays within :data:`MAX_SE_CELLS`; beyond that (hundreds of thousands of
holdout rows), the correction, which shrinks like ``1 / n``, is not worth its cost and the judgement
studentizes by the bootstrap standard deviation (:func:`bakeoff.judge.maxt.leave_one_out_sd`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

WORK_BUDGET = 2e9  # multiply-adds: about a second of BLAS on one core
CELL_BUDGET = 4_000_000  # rows x pairs of the pairwise products held at once (32 MB)
MIN_SCALE_RATIO = 0.5  # a pair's resample standard errors must stay above this share of the holdout's
CANCELLATION = 1e-8  # a pair variance under this share of the raw second moments is rounding noise
MAX_SE_CELLS = 10_000_000  # resamples x candidates x candidates of the standard-error arrays (80 MB)


def affordable(rounds: int, n: int, k: int) -> bool:
    """True when the per-resample moments of ``k`` candidates on ``n`` rows fit the budgets."""
    pairs = k * (k + 1) // 2
    return n * pairs <= CELL_BUDGET and rounds * n * pairs <= WORK_BUDGET and rounds * k * k <= MAX_SE_CELLS


@dataclass(frozen=True)
class RowMoments:
    """First and second moments of the candidates' row terms, on the holdout and on each resample.

    Attributes:
        mean: ``K`` means of the terms on the holdout.
        second: ``K x K`` means of ``t_i t_j`` on the holdout.
        rep_mean: ``B x K`` means on each resample (weighted by its counts).
        rep_second: ``B x K x K`` means of ``t_i t_j`` on each resample.
        n: Holdout rows.
        from_mean: The metric as a function of the mean of its terms.
        names: The candidates, in column order.
    """

    mean: np.ndarray
    second: np.ndarray
    rep_mean: np.ndarray
    rep_second: np.ndarray
    n: int
    from_mean: Callable[[np.ndarray], np.ndarray]
    names: tuple[str, ...]

    def select(self, names: tuple[str, ...]) -> RowMoments:
        """The moments of ``names``, in that order."""
        ix = np.array([self.names.index(n) for n in names], dtype=int)
        return RowMoments(self.mean[ix], self.second[np.ix_(ix, ix)], self.rep_mean[:, ix],
                          self.rep_second[:, ix][:, :, ix], self.n, self.from_mean, tuple(names))

    def point_se(self) -> np.ndarray:
        """``K x K`` delta-method standard errors of the metric differences on the holdout."""
        return pair_se_from_moments(self.mean[None], self.second[None], self.n, self.from_mean)[0]

    def replicate_se(self) -> np.ndarray:
        """``B x K x K`` delta-method standard errors of the metric differences on each resample."""
        return pair_se_from_moments(self.rep_mean, self.rep_second, self.n, self.from_mean)


def slope(from_mean: Callable[[np.ndarray], np.ndarray], m: np.ndarray) -> np.ndarray:
    """``g'(m)`` by a central difference (one-sided where ``m`` is too close to zero to step below it).

    Accurate to about 1e-10 relative for the linear ``g`` of most metrics and for the square root.
    """
    h = 1e-6 * np.maximum(np.abs(m), 1e-12)
    lo = np.where(m - h < 0, m, m - h)
    with np.errstate(invalid="ignore", divide="ignore"):
        up, down = np.asarray(from_mean(m + h), dtype=float), np.asarray(from_mean(lo), dtype=float)
    return (up - down) / (m + h - lo)


def pair_se_from_moments(mean: np.ndarray, second: np.ndarray, n: int,
                         from_mean: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``B x K x K`` standard errors from ``B x K`` means and ``B x K x K`` second moments (zero diagonal).

    A pair whose variance is below :data:`CANCELLATION` of its two raw second moments (near-identical
    candidates: the subtraction has lost its digits) gets 0, which leaves it to the bootstrap standard
    deviation (:func:`bootstrap_t_scales`).
    """
    a = slope(from_mean, mean)
    scale = a[:, :, None] * a[:, None, :]
    cov = (second - mean[:, :, None] * mean[:, None, :]) * scale
    var = np.diagonal(cov, axis1=1, axis2=2)
    raw = np.diagonal(second * scale, axis1=1, axis2=2)
    out = var[:, :, None] + var[:, None, :] - 2 * cov
    out = np.where(out > CANCELLATION * (raw[:, :, None] + raw[:, None, :]), out, 0.0)
    return np.sqrt(out / n)


class MomentSums:
    """Accumulates the per-resample moments chunk by chunk, next to the bootstrap's own product."""

    def __init__(self, names: tuple[str, ...], terms: np.ndarray) -> None:
        self.names = names
        self.terms = terms
        self.iu = np.triu_indices(terms.shape[1])
        self.products = terms[:, self.iu[0]] * terms[:, self.iu[1]]
        self.parts: list[np.ndarray] = []

    def add(self, counts: np.ndarray) -> None:
        """One chunk of resamples, as a ``b x n`` matrix of row counts."""
        self.parts.append(counts @ self.products / self.terms.shape[0])

    def moments(self, rep_mean: np.ndarray, from_mean: Callable[[np.ndarray], np.ndarray]) -> RowMoments:
        """The finished :class:`RowMoments` (``rep_mean``: the resamples' means of the terms)."""
        n, k = self.terms.shape
        packed = np.concatenate(self.parts)
        rep_second = np.empty((len(packed), k, k))
        rep_second[:, self.iu[0], self.iu[1]] = packed
        rep_second[:, self.iu[1], self.iu[0]] = packed
        second = self.terms.T @ self.terms / n
        return RowMoments(self.terms.mean(axis=0), second, rep_mean, rep_second, n, from_mean, self.names)


def bootstrap_t_scales(se: np.ndarray, shaped: np.ndarray, point_se: np.ndarray,
                       rep_se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs read by the bootstrap-t: their holdout ``se`` swapped in, their ``rep_se`` kept (NaN elsewhere).

    A pair qualifies when it is not far from normal, both standard errors are positive, and
    every resample's is at least :data:`MIN_SCALE_RATIO` of the holdout's (:mod:`bakeoff.judge.maxt`).
    """
    ok = (~shaped) & (se > 0) & (point_se > 0)
    ok &= (rep_se >= MIN_SCALE_RATIO * point_se[None]).all(axis=0)
    np.fill_diagonal(ok, False)
    return np.where(ok, point_se, se), np.where(ok[None], rep_se, np.nan)
