"""The chunked IRLS GLM against statsmodels' own GLM fit (the independent reference), family by family."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

sm = pytest.importorskip("statsmodels.api")

from baselines import glm as glm_module  # noqa: E402
from baselines.glm_irls import IrlsControl, NotConverged, fit_chunked, with_constant  # noqa: E402


def _data(n: int = 6000, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=["a", "b", "c", "d"])
    return sm.add_constant(X), 0.3 + X.to_numpy() @ np.array([0.5, -0.2, 0.1, 0.0])


def _family_and_target(kind: str, eta: np.ndarray, seed: int = 4) -> tuple[object, np.ndarray]:
    rng = np.random.default_rng(seed)
    if kind == "poisson":
        return sm.families.Poisson(), rng.poisson(np.exp(eta)).astype(float)
    if kind == "binary":
        return sm.families.Binomial(), (rng.random(len(eta)) < 1 / (1 + np.exp(-eta))).astype(float)
    if kind == "gaussian":
        return sm.families.Gaussian(), eta + rng.normal(size=len(eta))
    return sm.families.Gamma(sm.families.links.Log()), rng.gamma(2.0, np.exp(eta) / 2.0)


@pytest.mark.parametrize("kind", ["poisson", "binary", "gaussian", "gamma"])
def test_chunked_irls_matches_statsmodels(kind):
    design, eta = _data()
    family, y = _family_and_target(kind, eta)
    ref = sm.GLM(y, design, family=family).fit()
    got = fit_chunked(y, with_constant(design.drop(columns="const")), list(design.columns), family,
                      IrlsControl(chunk=997))
    np.testing.assert_allclose(got.params, ref.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(got.bse, ref.bse, rtol=1e-7)
    np.testing.assert_allclose(got.pvalues, ref.pvalues, rtol=1e-6, atol=1e-12)
    assert got.aic == pytest.approx(ref.aic, rel=1e-9)
    assert got.scale == pytest.approx(ref.scale, rel=1e-9)
    np.testing.assert_allclose(got.predict(design.iloc[:50]), ref.predict(design.iloc[:50]), rtol=1e-7)
    assert list(got.params.index) == list(design.columns)


def test_perfect_separation_is_refused():
    x = np.linspace(-1, 1, 400)
    design = sm.add_constant(pd.DataFrame({"x": x}))
    with pytest.raises(NotConverged):
        fit_chunked((x > 0).astype(float), with_constant(design[["x"]]), ["const", "x"], sm.families.Binomial(),
                    IrlsControl(chunk=64))


def test_glm_candidate_uses_chunked_fit_above_the_threshold(monkeypatch):
    """Above CHUNKED_FROM_ROWS the candidate's coefficients and p-values are statsmodels' to rounding."""
    design, eta = _data(3000)
    family, y = _family_and_target("poisson", eta)
    X = design.drop(columns="const")
    ref, how_ref = glm_module.fit_glm(y, X, "count", seed=0)
    monkeypatch.setattr(glm_module, "CHUNKED_FROM_ROWS", 1000)
    got, how = glm_module.fit_glm(y, X, "count", seed=0)
    assert how_ref == "maximum likelihood" and "row chunks" in how
    for a, b in zip(glm_module.coef_table(got), glm_module.coef_table(ref), strict=True):
        assert a["term"] == b["term"]
        assert (a["coef"], a["se"], a["z"]) == pytest.approx((b["coef"], b["se"], b["z"]), rel=1e-7)
        assert a["p"] == pytest.approx(b["p"], rel=1e-6, abs=1e-300)


def test_glm_candidate_falls_back_to_ridge_on_a_singular_design(monkeypatch):
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"x": rng.normal(size=2000), "zero": 0.0})
    y = rng.poisson(1.0, size=2000).astype(float)
    monkeypatch.setattr(glm_module, "CHUNKED_FROM_ROWS", 100)
    monkeypatch.setattr(glm_module, "RIDGE_ROWS", 500)
    fitted, how = glm_module.fit_glm(y, X, "count", seed=0)
    assert how.startswith("ridge-penalised") and "sample of 500 rows" in how
    assert np.isfinite(fitted.params).all()


def test_full_rank_keeps_the_first_of_collinear_columns_in_the_configured_order():
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(3, 1000))
    X = pd.DataFrame({"a": a, "b": b, "a_again": a.copy(), "a_plus_b": a + b, "c": c})
    assert list(glm_module.full_rank(X).columns) == ["a", "b", "c"]
    assert list(glm_module.full_rank(X[["a_plus_b", "a", "b", "c", "a_again"]]).columns) == ["a_plus_b", "a", "c"]


@pytest.mark.parametrize("eps", [1e-5, 1e-6, 1e-7])
def test_nearly_collinear_features_converge_like_statsmodels(eps):
    """Features that full_rank keeps but that are nearly collinear: the chunked QR steps converge in as few
    iterations as statsmodels and give its coefficients (the normal equations stalled or drifted here)."""
    rng = np.random.default_rng(11)
    a, c = rng.normal(size=(2, 20000))
    X = pd.DataFrame({"a": a, "b": a + eps * rng.normal(size=20000), "c": c})
    X = (X - X.mean()) / X.std()
    assert list(glm_module.full_rank(X).columns) == ["a", "b", "c"]
    design = sm.add_constant(X)
    y = rng.poisson(np.exp(0.2 + 0.3 * a - 0.1 * c)).astype(float)
    ref = sm.GLM(y, design, family=sm.families.Poisson()).fit()
    got = fit_chunked(y, with_constant(X), list(design.columns), sm.families.Poisson(), IrlsControl(chunk=4096))
    assert got.iterations <= ref.fit_history["iteration"] + 1
    np.testing.assert_allclose(got.params, ref.params, rtol=1e-6, atol=1e-6 * np.abs(ref.params).max())
    np.testing.assert_allclose(got.bse, ref.bse, rtol=1e-6)


def test_a_deadline_passed_gives_way_to_the_fallback():
    design, eta = _data(2000)
    family, y = _family_and_target("poisson", eta)
    with pytest.raises(NotConverged, match="out of time"):
        fit_chunked(y, with_constant(design.drop(columns="const")), list(design.columns), family,
                    IrlsControl(deadline=0.0))
