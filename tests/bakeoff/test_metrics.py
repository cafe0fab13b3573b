"""Batch metrics against scikit-learn and hand-computed cases; bootstrap behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from bakeoff.metrics import METRICS
from bakeoff.scoring import score_all


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


def test_bootstrap_is_seeded(binary):
    y, p = binary
    a = score_all(y, {"a": p}, ("roc_auc",), rounds=50, confidence=0.9, seed=3).replicates["a"]
    b = score_all(y, {"a": p}, ("roc_auc",), rounds=50, confidence=0.9, seed=3).replicates["a"]
    assert np.array_equal(a, b)
