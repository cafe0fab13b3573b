"""Metrics per task. Each metric scores a batch: rows of ``y`` and ``p`` are resamples.

A metric is registered with its direction and the tasks it fits. Batch forms keep
bootstrap resampling vectorised; tests check them against scikit-learn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

EPS = 1e-15


@dataclass(frozen=True)
class Metric:
    """A metric: a batch function ``(y, p) -> one value per row``, and its direction.

    A metric that is a function of the mean of per-observation terms also has ``row_terms``
    (``(y, p) -> the terms``, elementwise) and ``from_mean`` (``mean of the terms -> the metric``),
    written so that ``from_mean(mean(row_terms(y, p)))`` is ``fn(y, p)`` to the last bit: the
    bootstrap then computes each candidate's terms once and averages resamples of them.
    """

    name: str
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray]
    higher_is_better: bool
    tasks: tuple[str, ...]
    label: str
    row_terms: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    from_mean: Callable[[np.ndarray], np.ndarray] | None = None

    def __call__(self, y: np.ndarray, p: np.ndarray) -> float:
        """Score one (unbatched) pair of vectors."""
        return float(self.fn(np.atleast_2d(y), np.atleast_2d(p))[0])

    def better(self, a: float, b: float) -> bool:
        """True if ``a`` is strictly better than ``b``."""
        return a > b if self.higher_is_better else a < b


def _ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> np.ndarray:
    """Expected calibration error over equal-width probability bins."""
    idx = np.minimum((np.clip(p, 0, 1) * bins).astype(np.int64), bins - 1)
    out = np.zeros(y.shape[0])
    for b in range(bins):
        mask = idx == b
        n = mask.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            gap = np.abs((y * mask).sum(axis=1) - (p * mask).sum(axis=1)) / np.maximum(n, 1)
        out += np.where(n > 0, gap * n / y.shape[1], 0.0)
    return out


def _squared(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return (y - p) ** 2


def _absolute(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.abs(y - p)


def _rmse(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.sqrt(np.mean(_squared(y, p), axis=1))


def _mae(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.mean(_absolute(y, p), axis=1)


def _r2(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    sst = np.sum((y - y.mean(axis=1, keepdims=True)) ** 2, axis=1)
    return 1.0 - np.sum((y - p) ** 2, axis=1) / np.where(sst > 0, sst, np.nan)


def _log_terms(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    q = np.clip(p, EPS, 1 - EPS)
    return y * np.log(q) + (1 - y) * np.log(1 - q)


def _log_loss(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return -np.mean(_log_terms(y, p), axis=1)


def _brier(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.mean(_squared(y, p), axis=1)


def _ranks(p: np.ndarray) -> np.ndarray:
    """Average ranks along each row (ties averaged); scipy.stats is imported here, off the start-up path (0.5 s)."""
    from scipy.stats import rankdata

    return rankdata(p, axis=1)


def _roc_auc(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    ranks = _ranks(p)
    pos = y > 0.5
    n1 = pos.sum(axis=1)
    n0 = y.shape[1] - n1
    u = np.sum(ranks * pos, axis=1) - n1 * (n1 + 1) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((n1 > 0) & (n0 > 0), u / (n1 * n0), np.nan)


def _pr_auc(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    from sklearn.metrics import average_precision_score

    return np.array([average_precision_score(yy, pp) if 0 < yy.sum() < len(yy) else np.nan
                     for yy, pp in zip(y, p, strict=True)])


def _lift(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Top-decile lift, tie-aware: the expected value over a random order of tied predictions.

    The top ``k = ceil(n / 10)`` rows are those above the k-th largest prediction ``v`` plus,
    of the rows tied at ``v``, the share that fits: their positives count pro rata. A constant
    predictor therefore gets lift 1 whatever the row order.
    """
    n = y.shape[1]
    k = max(1, int(np.ceil(n * 0.1)))
    v = -np.partition(-p, k - 1, axis=1)[:, k - 1:k]
    above, at = p > v, p == v
    take = k - above.sum(axis=1)
    hits = (y * above).sum(axis=1) + take * (y * at).sum(axis=1) / at.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (hits / k) / y.mean(axis=1)


def _poisson_terms(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    q = np.maximum(p, 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / q), 0.0)
    return term - (y - q)


def _poisson_deviance(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return 2.0 * np.mean(_poisson_terms(y, p), axis=1)


def _bias_pct(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    total = y.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100.0 * (p.sum(axis=1) - total) / total


def _gini_raw(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Area between the cumulative-share curve (rows sorted by ``p``, highest first) and the diagonal.

    With ``C_i`` the share of the total ``y`` in the first ``i`` rows, ``sum_i C_i = sum_j y_j
    (n + 1 - pos_j) / Y``: linear in each row's position, so the expected value over a random
    order of tied predictions uses average ranks. A constant predictor gets exactly 0.
    """
    n = y.shape[1]
    ranks = _ranks(p)  # ascending, ties averaged: n + 1 - (descending position)
    return (y * ranks).sum(axis=1) / (n * y.sum(axis=1)) - (n + 1) / (2.0 * n)


def _gini(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return _gini_raw(y, p) / _gini_raw(y, y)


def _same(m: np.ndarray) -> np.ndarray:
    return m


def _twice(m: np.ndarray) -> np.ndarray:
    return 2.0 * m


ALL, REG = ("binary", "regression", "count"), ("regression", "count")
METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("roc_auc", _roc_auc, True, ("binary",), "ROC AUC"),
    Metric("log_loss", _log_loss, False, ("binary",), "log loss", _log_terms, np.negative),
    Metric("brier", _brier, False, ("binary",), "Brier score", _squared, _same),
    Metric("ece", _ece, False, ("binary",), "expected calibration error"),
    Metric("pr_auc", _pr_auc, True, ("binary",), "PR AUC"),
    Metric("lift_top_decile", _lift, True, ("binary",), "top-decile lift"),
    Metric("rmse", _rmse, False, ALL, "RMSE", _squared, np.sqrt),
    Metric("mae", _mae, False, ALL, "MAE", _absolute, _same),
    Metric("r2", _r2, True, REG, "R²"),
    Metric("poisson_deviance", _poisson_deviance, False, ("count",), "Poisson deviance", _poisson_terms, _twice),
    Metric("bias_pct", _bias_pct, False, REG, "total bias %"),
    Metric("gini", _gini, True, REG, "normalized Gini"),
)}

DEFAULTS: dict[str, tuple[str, ...]] = {
    "binary": ("roc_auc", "log_loss", "brier", "ece", "pr_auc", "lift_top_decile"),
    "regression": ("rmse", "mae", "r2"),
    "count": ("poisson_deviance", "mae", "rmse", "bias_pct"),
    "spend": ("rmse", "mae", "gini", "bias_pct"),
}
