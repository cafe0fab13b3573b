"""One notion of "the evidence says A is better than B": simultaneous paired-bootstrap intervals.

Method: a **max-T bootstrap over all pairs** (single-step; Westfall & Young 1993, Romano & Wolf 2005
sec. 2) read as a **model confidence set** (Hansen, Lunde & Nason 2011, Econometrica 79(2)) and as
Tukey/Hsu intervals (Hsu 1996, ch. 4-5). Every candidate is scored on the same bootstrap resamples
of the holdout, so each pair's replicate differences are paired; the largest studentized (or, for a
pair far from normal, percentile-type: Mandel & Betensky 2008) statistic over all pairs sets one
critical value for every interval, which accounts for picking the best on the same holdout.

Why this method, its alternatives and the figures that chose it: ``docs/design/judgement.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bakeoff.judge.studentize import bootstrap_t_scales

POWER = 0.8
SHAPE_GATE = 0.5  # a tail scale under half the standard deviation: the SD misreads this pair
PROBS = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
# norm.ppf(PROBS), written out: importing the judge does not import scipy.stats (half a second at start-up);
# tests/bakeoff/test_studentize.py checks the figures against scipy
Z = np.array([-1.6448536269514729, -0.6744897501960817, 0.0, 0.6744897501960817, 1.6448536269514722])


def critical(tmax: np.ndarray, alpha: float) -> float:
    """The value ``c`` such that ``t > c`` exactly when ``#{T* >= t} / B < alpha``.

    ``c`` is the ``m``-th largest replicate with ``m = ceil(alpha B)``, so the interval rule
    (``t > c``) and the adjusted p-value rule (``p < alpha``) give the same answer.
    """
    b = len(tmax)
    if b == 0:
        return math.inf
    m = max(1, math.ceil(alpha * b - 1e-9))
    return float(np.sort(tmax)[::-1][min(m, b) - 1])


def knots(diff: np.ndarray, point: float) -> np.ndarray:
    """One pair's quantile function at the normal scores ``Z``: bootstrap quantiles shifted to centre on ``point``."""
    q = np.maximum.accumulate(np.quantile(diff, PROBS))
    return q - q[len(q) // 2] + point


def quantile_at(q: np.ndarray, z: np.ndarray | float) -> np.ndarray:
    """The piecewise-linear quantile function through ``(Z, q)``, extended linearly beyond the end knots."""
    z = np.asarray(z, dtype=float)
    out = np.interp(z, Z, q)
    lo, hi = (q[1] - q[0]) / (Z[1] - Z[0]), (q[-1] - q[-2]) / (Z[-1] - Z[-2])
    out = np.where(z < Z[0], q[0] + (z - Z[0]) * lo, out)
    return np.where(z > Z[-1], q[-1] + (z - Z[-1]) * hi, out)


def normal_score(q: np.ndarray, d: np.ndarray) -> np.ndarray:
    """The inverse of :func:`quantile_at`: the normal score of each difference in ``d``."""
    qq = q + np.arange(len(q)) * 1e-12 * max(1.0, float(np.abs(q).max()))  # strictly increasing
    out = np.interp(d, qq, Z)
    lo, hi = (qq[1] - qq[0]) / (Z[1] - Z[0]), (qq[-1] - qq[-2]) / (Z[-1] - Z[-2])
    out = np.where(d < qq[0], Z[0] + (d - qq[0]) / lo, out)
    return np.where(d > qq[-1], Z[-1] + (d - qq[-1]) / hi, out)


def crossing(q: np.ndarray) -> float:
    """The normal score at which the pair's quantile function crosses zero (+-inf when it never does)."""
    if q[-1] - q[0] <= 0:  # no spread: the difference is the same in every resample
        return -math.inf if q[0] > 0 else (math.inf if q[0] < 0 else 0.0)
    return float(normal_score(q, np.array([0.0]))[0])


def far_from_normal(q: np.ndarray, se: float) -> bool:
    """True when either tail of a pair's quantile function is under ``SHAPE_GATE`` standard deviations per z.

    For a normal difference both tail slopes equal the standard deviation (up to ~12% noise at
    500 resamples); a two-humped one (most resamples without the customer that carries the
    error, a few with it) has one tail far narrower than the standard deviation suggests.
    """
    low = (q[1] - q[0]) / (Z[1] - Z[0])
    high = (q[-1] - q[-2]) / (Z[-1] - Z[-2])
    return bool(se > 0 and min(low, high) < SHAPE_GATE * se)


def leave_one_out_sd(diff: np.ndarray) -> np.ndarray:
    """For each replicate ``b``, the standard deviation (ddof 1) of the *other* ``B - 1`` replicates.

    ``O(B)`` from the running sums. Where fewer than three replicates are left, or the others do
    not vary, the full-sample standard deviation stands in (no studentization noise to mimic).
    """
    b = len(diff)
    full = float(np.std(diff, ddof=1)) if b > 1 else 0.0
    if b < 3:
        return np.full(b, full)
    centred = diff - diff.mean()  # sums of squares about the mean: no cancellation for tiny spreads
    s2 = float(centred @ centred)
    var = (s2 - centred**2 * b / (b - 1)) / (b - 2)
    var = np.maximum(var, 0.0)
    return np.where(var > 0, np.sqrt(var), full)


def studentized_max(util: np.ndarray, point: np.ndarray, se: np.ndarray,
                    q: np.ndarray | None = None, shaped: np.ndarray | None = None,
                    rep_se: np.ndarray | None = None) -> np.ndarray:
    """``T*_b``: per resample, the largest pair statistic over all pairs ``i < j`` (pairs with s = 0 left out).

    A pair's statistic is ``|(u*_i - u*_j) - (u_i - u_j)| / s_ij^(-b)``, studentized by the
    standard deviation of the *other* replicates (:func:`leave_one_out_sd`), so that a replicate
    and its scale are independent as the holdout's difference and ``s_ij`` are (see the module
    docstring). For the pairs marked in ``shaped`` (with their quantile knots ``q``) it is the
    larger of that and the percentile-type normal score of the replicate, capped at the largest
    score a rank among ``b`` replicates can carry (an almost flat tail segment would otherwise
    extrapolate a few replicates to huge scores and make ``c`` useless for every pair). A pair
    with finite ``rep_se[:, i, j]`` (``B x K x K``, NaN elsewhere) is divided by those per-resample
    standard errors instead (the bootstrap-t). Memory stays ``O(B)`` beyond the replicates and
    ``rep_se``: pairs are visited one at a time.
    """
    b, k = util.shape
    out = np.zeros(b)
    from scipy.stats import norm

    cap = float(norm.ppf(1 - 0.5 / b))  # a replicate's rank cannot say more than this many normal units
    for i in range(k):
        for j in range(i + 1, k):
            if se[i, j] > 0:
                diff = util[:, i] - util[:, j]
                hall = rep_se is not None and bool(np.isfinite(rep_se[0, i, j]))
                scale = rep_se[:, i, j] if hall else leave_one_out_sd(diff)
                dev = np.abs(diff - (point[i] - point[j])) / scale
                if q is not None and shaped is not None and shaped[i, j]:
                    centred = diff - np.median(diff) + (point[i] - point[j])
                    score = np.minimum(np.abs(normal_score(q[i, j], centred)), cap)
                    dev = np.maximum(dev, score)
                np.maximum(out, dev, out=out)
    return out


def pair_se(util: np.ndarray) -> np.ndarray:
    """Bootstrap standard deviations of every pairwise difference (``K x K``, zero diagonal)."""
    k = util.shape[1]
    se = np.zeros((k, k))
    if util.shape[0] < 2:
        return se
    for i in range(k):
        for j in range(i + 1, k):
            se[i, j] = se[j, i] = float(np.std(util[:, i] - util[:, j], ddof=1))
    return se


@dataclass(frozen=True)
class Judgement:
    """Simultaneous comparisons of K candidates on one primary metric.

    Attributes:
        names: Candidate names, in the caller's order (ties in the point estimate go to the first).
        point: Point estimates of the metric, in the metric's own units.
        sign: +1 if higher is better, -1 otherwise (utility = sign x metric).
        q: ``K x K x 5`` bootstrap quantiles of ``u_i - u_j`` at the normal scores ``Z``.
        se: ``K x K`` standard errors of the paired differences: the holdout's delta-method ones
            for the pairs read by the bootstrap-t, bootstrap standard deviations for the others.
        tmax: The max-T replicates (empty when there was no bootstrap).
        crit: The simultaneous normal-score level ``c`` (``inf`` when every resample was unusable).
        confidence: The simultaneous confidence level.
        shaped: ``K x K`` pairs far from normal (:func:`far_from_normal`), whose intervals also
            follow the percentile-type quantile function (None: none).
        points_only: No bootstrap was asked for (``[score].bootstrap = 0``): any strict difference
            of the point estimates counts as shown.
    """

    names: tuple[str, ...]
    point: np.ndarray
    sign: float
    q: np.ndarray
    se: np.ndarray
    tmax: np.ndarray
    crit: float
    confidence: float
    points_only: bool = False
    shaped: np.ndarray | None = None

    @classmethod
    def from_replicates(cls, names: tuple[str, ...], point: np.ndarray, replicates: np.ndarray | None,
                        *, higher_is_better: bool, confidence: float,
                        studentized: tuple[np.ndarray, np.ndarray] | None = None) -> Judgement:
        """Build the judgement from a ``B x K`` replicate matrix (None: compare points only).

        Resamples where any candidate's metric is undefined (NaN) are dropped for all, so the
        pairing is kept. ``studentized``: the holdout's ``K x K`` and every resample's
        ``B x K x K`` standard errors of the differences, for the bootstrap-t (module docstring).
        """
        sign = 1.0 if higher_is_better else -1.0
        point = np.asarray(point, dtype=float)
        k = len(names)
        util_point = sign * point
        q = np.repeat((util_point[:, None] - util_point[None, :])[:, :, None], len(Z), axis=2)
        if replicates is None or replicates.shape[0] == 0:
            return cls(tuple(names), point, sign, q, np.zeros((k, k)), np.empty(0), 0.0, confidence, True)
        reps = np.asarray(replicates, dtype=float)
        usable = np.isfinite(reps).all(axis=1)
        util = sign * reps[usable]
        if len(util) == 0:
            return cls(tuple(names), point, sign, q, np.zeros((k, k)), np.empty(0), math.inf, confidence)
        for i in range(k):
            for j in range(i + 1, k):
                q[i, j] = knots(util[:, i] - util[:, j], util_point[i] - util_point[j])
                q[j, i] = -q[i, j][::-1]
        se = pair_se(util)
        shaped = np.array([[far_from_normal(q[i, j], se[i, j]) for j in range(k)] for i in range(k)])
        rep_se = None
        if studentized is not None:
            if studentized[1].shape[0] != len(reps):
                raise ValueError(f"studentized: {studentized[1].shape[0]} resamples for {len(reps)} replicates")
            se, rep_se = bootstrap_t_scales(se, shaped, studentized[0], studentized[1][usable])
        tmax = studentized_max(util, util_point, se, q, shaped, rep_se)
        return cls(tuple(names), point, sign, q, se, tmax, critical(tmax, 1 - confidence), confidence,
                   shaped=shaped)

    @property
    def rounds(self) -> int:
        """Usable bootstrap resamples (0: points only)."""
        return len(self.tmax)

    @property
    def util(self) -> np.ndarray:
        """Point estimates oriented so that higher is better."""
        return self.sign * self.point

    def index(self, name: str) -> int:
        """Position of ``name``."""
        return self.names.index(name)

    @property
    def best(self) -> int:
        """Index of the best point estimate (first one on exact ties)."""
        return int(np.argmax(self.util))

    def t(self, i: int, j: int) -> float:
        """Evidence that i is better than j: the level at which the lower bound of u_i - u_j reaches 0."""
        if i == j:
            return 0.0
        d, s = self.util[i] - self.util[j], self.se[i, j]
        studentized = d / s if s > 0 else (math.inf if d > 0 else (-math.inf if d < 0 else 0.0))
        if s > 0 and not self._shaped(i, j):
            return studentized
        return max(studentized, -crossing(self.q[i, j]))

    def _shaped(self, i: int, j: int) -> bool:
        return self.shaped is not None and bool(self.shaped[i, j])

    def bounds(self, i: int, j: int) -> tuple[float, float]:
        """Simultaneous lower and upper bound of ``u_i - u_j`` (utility units): the two intervals' intersection."""
        if not math.isfinite(self.crit):
            return (-math.inf, math.inf)
        lo, hi = quantile_at(self.q[i, j], np.array([-self.crit, self.crit]))
        d, half = self.util[i] - self.util[j], self.crit * self.se[i, j]
        if self.se[i, j] > 0 and not self._shaped(i, j):
            return (float(d - half), float(d + half))
        return (float(max(lo, d - half)), float(min(hi, d + half)))

    def shown_better(self, i: int, j: int) -> bool:
        """The evidence says i is better than j (simultaneous interval of u_i - u_j above zero)."""
        return i != j and self.t(i, j) > self.crit

    def interval(self, i: int, j: int) -> tuple[float, float, float]:
        """Point and simultaneous interval of ``metric_i - metric_j`` in the metric's units."""
        d = float(self.point[i] - self.point[j])
        lo, hi = self.bounds(i, j)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return (d, math.nan, math.nan)
        return (d, lo, hi) if self.sign > 0 else (d, -hi, -lo)

    def p_value(self, i: int, j: int) -> float:
        """Max-T adjusted p-value for "i is better than j" (0 means below ``1 / rounds``)."""
        if not self.rounds:
            return math.nan
        return float(np.mean(self.tmax >= self.t(i, j)))

    def beaten_by(self, k: int) -> list[int]:
        """Candidates shown better than k."""
        return [j for j in range(len(self.names)) if self.shown_better(j, k)]

    def in_best_set(self, k: int) -> bool:
        """No candidate is shown better than k (k belongs to the set of the best)."""
        return not self.beaten_by(k)

    def best_set_p(self, k: int) -> float:
        """Adjusted p-value of "k is not the best" (``< 1 - confidence``: out of the set)."""
        if not self.rounds or len(self.names) < 2:
            return math.nan
        worst = max(self.t(j, k) for j in range(len(self.names)) if j != k)
        return float(np.mean(self.tmax >= worst))

    def shortfall(self, k: int, among: list[int] | None = None) -> tuple[float, float, float]:
        """k's shortfall from the true best of ``among`` (default all), in utility units (>= 0).

        Returns the point gap to the best point estimate and the simultaneous bounds
        ``max(0, max_j lower(u_j - u_k))`` and ``max(0, max_j upper(u_j - u_k))``.
        """
        pool = list(range(len(self.names))) if among is None else list(among)
        gap = float(max(self.util[j] for j in pool) - self.util[k]) if pool else 0.0
        lows, highs = [0.0], [0.0]
        for j in pool:
            if j != k:
                lo, hi = self.bounds(j, k)
                lows.append(lo)
                highs.append(hi)
        return (gap, max(lows), max(highs))

    def detectable(self, i: int, j: int, power: float = POWER) -> float:
        """Smallest difference between i and j the holdout would show with probability ``power``.

        ``(c + z_power) x s_ij``: with the simultaneous level ``c``, a true gap of that size is
        called real with about ``power`` probability (for two candidates at 95% and 80% power
        this is the familiar 2.8 standard errors).
        """
        if not self.rounds or not math.isfinite(self.crit):
            return math.nan
        from scipy.stats import norm

        return float((self.crit + norm.ppf(power)) * self.se[i, j])


def format_p(p: float, rounds: int) -> str:
    """A bootstrap p-value as text: ``p < 0.002`` where the bootstrap cannot say less than 1/B."""
    if rounds <= 0 or not math.isfinite(p):
        return "p n/a"
    if p * rounds < 1:
        return f"p < {1 / rounds:.2g}"
    return f"p = {p:.2g}"
