"""Batch metrics against scikit-learn and hand-computed cases; bootstrap behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from bakeoff.candidates.metrics import METRICS
from bakeoff.judge.scoring import score_all


@pytest.fixture
def binary(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 400).astype(float)
    p = np.clip(0.3 * y + rng.random(400) * 0.7, 0.01, 0.99).round(2)  # rounded: ties on purpose
    return y, p


def test_binary_metrics_match_sklearn(binary):
    y, p = binary
    assert METRICS["roc_auc"](y, p) == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)
    assert METRICS["log_loss"](y, p) == pytest.approx(skm.log_loss(y, p), abs=1e-12)
    assert METRICS["brier"](y, p) == pytest.approx(skm.brier_score_loss(y, p), abs=1e-12)
    assert METRICS["pr_auc"](y, p) == pytest.approx(skm.average_precision_score(y, p), abs=1e-12)


def test_regression_metrics_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.poisson(2.0, 300).astype(float)
    p = np.maximum(y + rng.normal(0, 1, 300), 0.05)
    assert METRICS["rmse"](y, p) == pytest.approx(np.sqrt(skm.mean_squared_error(y, p)))
    assert METRICS["mae"](y, p) == pytest.approx(skm.mean_absolute_error(y, p))
    assert METRICS["r2"](y, p) == pytest.approx(skm.r2_score(y, p))
    assert METRICS["poisson_deviance"](y, p) == pytest.approx(skm.mean_poisson_deviance(y, p))


def test_hand_computed_cases():
    y = np.array([0.0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
    p = np.arange(10) / 10.0
    assert METRICS["lift_top_decile"](y, p) == pytest.approx(1.0 / 0.2)  # top row is a positive
    assert METRICS["bias_pct"](np.array([1.0, 1.0]), np.array([1.5, 1.5])) == pytest.approx(50.0)
    assert METRICS["gini"](np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])) == pytest.approx(1.0)
    assert METRICS["gini"](np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])) == pytest.approx(-1.0)


def test_bootstrap_ci_contains_point_and_paired_difference(binary):
    y, p = binary
    other = np.where(y > 0, p, p * 0.5)
    s = score_all(y, {"a": p, "b": p.copy(), "c": other}, ("roc_auc",), rounds=300, confidence=0.95, seed=1)
    lo, hi = s.ci("a")
    assert lo < s.metrics["a"]["roc_auc"] < hi
    point, dlo, dhi, pval = s.diff("a", "b")
    assert point == dlo == dhi == 0.0 and s.tied("a", "b")
    point, dlo, dhi, pval = s.diff("c", "a")
    assert point > 0 and dlo > 0 and pval < 0.05 and not s.tied("c", "a")
    assert s.rounds == 300 and s.n == len(y)


def test_bootstrap_is_seeded(binary):
    y, p = binary
    a = score_all(y, {"a": p}, ("roc_auc",), rounds=50, confidence=0.9, seed=3).replicates["a"]
    b = score_all(y, {"a": p}, ("roc_auc",), rounds=50, confidence=0.9, seed=3).replicates["a"]
    assert np.array_equal(a, b)


def test_lift_and_gini_of_a_constant_predictor_ignore_row_order():
    y = np.array([1.0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    for order in (y, y[::-1]):
        assert METRICS["lift_top_decile"](order, np.zeros(20)) == pytest.approx(1.0)
    spend = np.array([5.0, 0, 0, 3, 0, 9, 1, 0])
    for order in (spend, spend[::-1]):
        assert METRICS["gini"](order, np.full(8, 2.0)) == pytest.approx(0.0, abs=1e-12)


def test_tie_aware_lift_by_hand():
    # n = 20 -> top k = 2 rows. One row scores 0.9 (a positive); three rows tie at 0.5, one of them
    # positive: the second top slot holds a random one of the three, a positive with chance 1/3.
    y = np.zeros(20)
    y[[0, 1, 5]] = 1.0
    p = np.zeros(20)
    p[0], p[[1, 2, 3]] = 0.9, 0.5
    expected_hits = 1 + 1 / 3
    assert METRICS["lift_top_decile"](y, p) == pytest.approx((expected_hits / 2) / (3 / 20))


def test_tie_aware_gini_by_hand():
    # y = (4, 0, 2, 0), p = (1, 1, 0, 0): rows 1-2 tie on top, rows 3-4 tie below.
    # Cumulative-share sum: expected over the 4 equally likely orders (4 0|2 0, 0 4|2 0, 4 0|0 2, 0 4|0 2)
    # sum_i C_i = (1 + 1 + 1 + 1) + ... computed from average positions: rows 1-2 at 1.5, rows 3-4 at 3.5.
    y = np.array([4.0, 0, 2, 0])
    p = np.array([1.0, 1, 0, 0])
    total = 6.0
    sum_c = (4 * (4 + 1 - 1.5) + 2 * (4 + 1 - 3.5)) / total
    raw = sum_c / 4 - 5 / 8
    perfect = ((4 * 4 + 2 * 3) / total) / 4 - 5 / 8  # y sorted 4, 2, 0, 0
    assert METRICS["gini"](y, p) == pytest.approx(raw / perfect)
    orders = [(4, 0, 2, 0), (0, 4, 2, 0), (4, 0, 0, 2), (0, 4, 0, 2)]
    brute = np.mean([np.cumsum(o).sum() / total / 4 - 5 / 8 for o in orders])
    assert raw == pytest.approx(brute)


def test_bootstrap_chunks_bound_memory_and_keep_pairing(binary):
    from bakeoff.judge.scoring import bootstrap_chunks

    chunks = list(bootstrap_chunks(1_000_000, 7, seed=2))
    assert [c.shape for c in chunks] == [(2, 1_000_000)] * 3 + [(1, 1_000_000)]
    again = np.concatenate(list(bootstrap_chunks(1_000_000, 7, seed=2)))
    assert np.array_equal(np.concatenate(chunks), again)
    y, p = binary
    s = score_all(y, {"a": p, "b": p.copy()}, ("roc_auc",), rounds=120, confidence=0.95, seed=4)
    assert np.array_equal(s.replicates["a"], s.replicates["b"])  # same resamples for every candidate


@pytest.mark.parametrize("name", ["poisson_deviance", "rmse", "mae", "log_loss", "brier"])
def test_mean_metrics_bootstrap_from_row_terms_matches_resampled_rows(name, seed):
    """Replicates from per-row terms x resample counts equal the metric on the resampled rows."""
    from bakeoff.judge.scoring import bootstrap_chunks

    rng = np.random.default_rng(seed)
    n, binary_task = 3_001, name in ("log_loss", "brier")
    y = (rng.random(n) < 0.3).astype(float) if binary_task else rng.poisson(1.2, n).astype(float)
    preds = {c: (rng.random(n) if binary_task else rng.gamma(2.0, 0.6, n)) for c in "abc"}
    preds["a"][:7] = 0.0  # clipped terms (log of 0) take the same path
    metric = METRICS[name]
    assert metric.row_terms is not None and metric.from_mean is not None
    scores = score_all(y, preds, (name,), rounds=90, confidence=0.9, seed=5)
    for cand, p in preds.items():
        direct = np.concatenate([metric.fn(y[idx], p[idx]) for idx in bootstrap_chunks(n, 90, 5)])
        np.testing.assert_allclose(scores.replicates[cand], direct, rtol=1e-12, atol=0)
        assert metric.from_mean(np.mean(metric.row_terms(y[None], p[None]), axis=1))[0] == metric(y, p)
