"""Pareto/NBD, BG/NBD and Gamma-Gamma against published CDNOW values and lifetimes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from lifetimes.fitters.pareto_nbd_fitter import ParetoNBDFitter

from bakeoff.candidates.contract import Budget
from bakeoff.core.errors import CandidateError
from baselines import btyd_math as bm
from baselines.btyd import BGNBD, GammaGamma, ParetoNBD


def test_pareto_nbd_matches_published(cdnow_frame, seed):
    m = ParetoNBD().fit(cdnow_frame, budget=Budget.of(60), seed=seed)
    got = dict(zip(m.names, m.params_, strict=True))
    for k, v in {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}.items():
        assert got[k] == pytest.approx(v, rel=2e-3), k
    assert m.ll_ == pytest.approx(-9594.98, abs=0.05)
    assert len(m.starts_) >= 2


def test_bg_nbd_matches_published(cdnow_frame, seed):
    m = BGNBD().fit(cdnow_frame, budget=Budget.of(60), seed=seed)
    got = dict(zip(m.names, m.params_, strict=True))
    for k, v in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert got[k] == pytest.approx(v, rel=3e-3), k
    assert m.ll_ == pytest.approx(-9582.43, abs=0.05)
    pred = m.predict(cdnow_frame)
    assert pred.loc["0001"] == pytest.approx(1.226, abs=1e-3)  # published: customer 0001, next 39 weeks


def test_gamma_gamma_matches_published(cdnow_frame):
    gg = GammaGamma().fit(cdnow_frame.holdout, Budget.of(60))
    assert gg.n_ == 946
    assert dict(zip(gg.names, gg.params_, strict=True)) == pytest.approx({"p": 6.25, "q": 3.74, "v": 15.44},
                                                                        rel=2e-3)


def test_robust_likelihood_equals_lifetimes_where_finite(cdnow_frame):
    h = cdnow_frame.holdout
    x, t_x, T = (h[c].to_numpy(float) for c in ("x", "t_x", "T"))
    par = [0.553, 10.578, 0.606, 11.669]
    ours = bm.pareto_log_likelihood(np.array(par), x, t_x, T)
    theirs = ParetoNBDFitter._conditional_log_likelihood(par, x, t_x, T)
    assert np.allclose(ours, theirs, atol=1e-9)


def test_robust_likelihood_at_t_x_equals_T_with_large_x():
    par = np.array([0.553, 10.578, 0.606, 11.669])
    x = np.array([50.0, 200.0, 1000.0])
    ll = bm.pareto_log_likelihood(par, x, np.array([38.0] * 3), np.array([38.0] * 3))
    assert np.isfinite(ll).all()
    p_alive = bm.pareto_p_alive(par, x, np.array([38.0] * 3), np.array([38.0] * 3))
    assert np.allclose(p_alive, 1.0)  # bought on the last day: certainly alive


def test_p_active_matches_lifetimes_exact_formula(cdnow_frame):
    h = cdnow_frame.holdout.iloc[:300]
    x, t_x, T = (h[c].to_numpy(float) for c in ("x", "t_x", "T"))
    f = ParetoNBDFitter()
    import pandas as pd
    par = [0.553, 10.578, 0.606, 11.669]
    f.params_ = pd.Series(dict(zip(["r", "alpha", "s", "beta"], par, strict=True)))
    exact = 1 - f.conditional_probability_of_n_purchases_up_to_time(0, 39, x, t_x, T)
    assert np.allclose(bm.pareto_p_active(np.array(par), 39.0, x, t_x, T), exact, atol=1e-8)


def test_bg_nbd_p_active_below_expected_purchases(cdnow_frame, seed):
    active = dataclasses.replace(cdnow_frame.problem, task="binary", target="active")
    frame = dataclasses.replace(cdnow_frame, problem=active)
    m = BGNBD().fit(frame, budget=Budget.of(60), seed=seed)
    p = m.predict(frame).to_numpy()
    e = m.expected(*(frame.holdout[c].to_numpy(float) for c in ("x", "t_x", "T")))
    assert ((p >= 0) & (p <= 1)).all() and (p <= e + 1e-12).all()
    assert p.std() > 0  # unlike P(alive), differs between zero-repeat customers of different age


def test_no_repeat_buyers_is_refused(cdnow_frame, seed):
    h = cdnow_frame.holdout.assign(x=0, t_x=0.0)
    frame = dataclasses.replace(cdnow_frame, holdout=h)
    with pytest.raises(CandidateError, match="no repeat buyers"):
        ParetoNBD().fit(frame, budget=Budget.of(60), seed=seed)


def test_fast_likelihood_equals_rowwise(cdnow_frame):
    h = cdnow_frame.holdout
    x, t_x, T = (h[c].to_numpy(float) for c in ("x", "t_x", "T"))
    w = np.arange(len(x)) % 3 + 1.0
    for par in ([0.553, 10.578, 0.606, 11.669], [1.2, 3.0, 0.4, 9.0], [0.3, 15.0, 2.0, 4.0]):
        p = np.array(par)
        assert bm.ParetoLikelihood(x, t_x, T, w).total(p) == pytest.approx(
            np.dot(w, bm.pareto_log_likelihood(p, x, t_x, T)), rel=1e-12)


def test_round_weeks_shrinks_triples_and_moves_little(cdnow_frame, seed):
    exact = ParetoNBD().fit(cdnow_frame, budget=Budget.of(60), seed=seed)
    rounded = ParetoNBD(round_weeks=True).fit(cdnow_frame, budget=Budget.of(60), seed=seed)
    assert rounded.n_triples_ < exact.n_triples_
    assert np.allclose(rounded.params_, exact.params_, rtol=0.1)


def test_identical_poisson_buyers_fail_with_the_reason(cdnow_frame, seed):
    """Every customer buying at the same rate, nobody dropping out: r and alpha run off together (no MLE)."""
    rng = np.random.default_rng(seed)
    n, rate = 8_000, 0.064
    T = rng.integers(1, 273, n) / 7.0
    x = rng.poisson(rate * T).astype(float)
    t_x = np.where(x > 0, T * rng.random(n) ** (1 / np.maximum(x, 1)), 0.0)
    holdout = cdnow_frame.holdout.iloc[np.arange(n) % len(cdnow_frame.holdout)].copy()
    holdout.index = np.arange(n)
    holdout[["x", "t_x", "T"]] = np.column_stack([x, t_x, T])
    frame = dataclasses.replace(cdnow_frame, holdout=holdout)
    for cls in (ParetoNBD, BGNBD):
        with pytest.raises(CandidateError, match="purchase rates look the same for every customer") as info:
            cls().fit(frame, budget=Budget.of(60), seed=seed)
        assert f"about {x.sum() / T.sum():.3g} repeat purchases a week" in str(info.value)
