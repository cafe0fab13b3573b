"""Horizon alignment: the growth fit, the age trend, the link shifts, a simulation with known truth, no leakage."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bakeoff import prepare
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.data.horizon import OFFSET_WEEKS, AgeCurve, Growth, cloglog_shift, to_horizon

START = dt.date(2000, 1, 1)
CAL_END = START + dt.timedelta(weeks=39)


def test_growth_recovers_a_geometric_decay():
    decay = 0.01
    lags = np.arange(1, 137)
    fitted = Growth.fit(50.0 * np.exp(-decay * lags), 136, 273)
    assert fitted.decay_per_day == pytest.approx(decay, rel=1e-6)
    # hand-computed: (1 - e^{-2.73}) / (1 - e^{-1.36})
    assert fitted.factor == pytest.approx((1 - math.exp(-2.73)) / (1 - math.exp(-1.36)), rel=1e-6)
    assert fitted.factor < 273 / 136


def test_growth_of_a_label_that_does_not_slow_is_run_rate():
    rising = Growth.fit(np.linspace(1.0, 3.0, 100), 100, 250)
    assert rising.decay_per_day == 0.0 and rising.factor == pytest.approx(2.5)
    assert Growth.fit(np.zeros(10), 10, 20).factor == pytest.approx(2.0)


def test_age_curve_recovers_its_slope_and_integrates_like_quad(seed):
    from scipy.integrate import quad

    ages = np.random.default_rng(seed).integers(0, 140, 400) / 7.0
    at = ages[:, None] + (np.arange(1, 101) - 0.5)[None, :] / 7.0 + OFFSET_WEEKS
    increments = 3.0 * (at**-0.6).sum(axis=0)  # the exact expected purchase days on days 1..100
    curve = AgeCurve.fit(increments, ages)
    assert curve.slope == pytest.approx(-0.6, abs=1e-4)
    exact = [quad(lambda a: (a + OFFSET_WEEKS) ** -0.6, x, x + 39.0)[0] for x in ages[:5]]
    np.testing.assert_allclose(curve.exposure(ages[:5], 39.0), exact, rtol=1e-4)
    assert AgeCurve(-1.0).exposure(np.array([1.0]), 2.0)[0] == pytest.approx(math.log(4.0 / 2.0))
    flat = AgeCurve.fit(np.full(50, 7.0), ages)
    assert flat.slope == pytest.approx(0.0, abs=1e-3)  # a base that does not slow: run-rate


def test_cloglog_shift_hits_the_mean_and_keeps_the_order(seed):
    p = np.random.default_rng(seed).beta(1, 4, 500)
    moved, e = cloglog_shift(p, 0.3)
    assert moved.mean() == pytest.approx(0.3, abs=1e-9)
    assert np.array_equal(np.argsort(moved, kind="stable"), np.argsort(p, kind="stable"))
    np.testing.assert_allclose(moved, 1 - (1 - p) ** e)
    same, e1 = cloglog_shift(p, float(p.mean()))
    assert e1 == pytest.approx(1.0, rel=1e-6) and np.allclose(same, p)


def test_run_rate_without_alignment():
    p = np.array([0.2, 0.5])
    scaled, k = to_horizon(p, "binary", None, 2.0)
    np.testing.assert_allclose(scaled, [1 - 0.8**2, 1 - 0.5**2])
    assert k == 2.0 and to_horizon(p, "count", None, 1.0) == (p, None)


def simulate(n: int, seed: int, *, r: float = 0.55, alpha: float = 10.6, s: float = 0.6, beta: float = 12.0,
             acquisition_weeks: float = 12.0, weeks: float = 80.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A Pareto/NBD customer base: gamma purchase rates, gamma dropout rates (per week).

    Returns the transaction log and, per customer, the latent rate and end of life, from which the
    true expected holdout purchases and activity follow without sampling noise.
    """
    rng = np.random.default_rng(seed)
    lam, mu = rng.gamma(r, 1 / alpha, n), rng.gamma(s, 1 / beta, n)
    start = rng.uniform(0, acquisition_weeks, n)
    end = np.minimum(start + rng.exponential(1 / mu), weeks)
    repeats = rng.poisson(lam * (end - start))
    owner = np.repeat(np.arange(n), repeats)
    when = np.concatenate([start, start[owner] + rng.uniform(0, 1, owner.size) * (end - start)[owner]])
    who = np.concatenate([np.arange(n), owner])
    days = np.floor(when * 7).astype(int)
    log = pd.DataFrame({"customer_id": [f"c{i:05d}" for i in who],
                        "date": pd.to_datetime(START) + pd.to_timedelta(days, unit="D"),
                        "amount": np.round(rng.gamma(4.0, 10.0, who.size), 2)})
    latent = pd.DataFrame({"lam": lam, "end": end}, index=[f"c{i:05d}" for i in range(n)])
    return log, latent


def true_holdout(latent: pd.DataFrame) -> tuple[float, float]:
    """Expected purchases and activity per customer in weeks (39, 78], given the latent rates and lifetimes."""
    exposure = np.clip(latent["end"] - 39.0, 0.0, 39.0) * latent["lam"]
    return float(exposure.mean()), float((-np.expm1(-exposure)).mean())


def customer_experiment(source: Path, target: str) -> object:
    return experiment_from_dict({
        "data": {"source": str(source)},
        "problem": {"kind": "customer_base", "target": target, "entity": "customer_id", "time": "date",
                    "amount": "amount", "calibration_end": str(CAL_END), "horizon": "39w"},
        "score": {"bootstrap": 0}})


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    log, latent = simulate(20000, 20261123)
    path = tmp_path_factory.mktemp("sim") / "log.csv"
    log.to_csv(path, index=False, date_format="%Y-%m-%d")
    return path, log, latent


@pytest.mark.parametrize("target", ["purchases", "active"])
def test_aligned_predictions_are_unbiased_on_a_simulated_base(simulated, target):
    from bakeoff.candidates.contract import Budget
    from baselines.glm import GLM
    from baselines.naive import Mean
    from baselines.trees import DecisionTree

    path, _, latent = simulated
    frame, _ = prepare(customer_experiment(path, target))
    truth = true_holdout(latent.loc[frame.holdout.index])[0 if target == "purchases" else 1]
    assert frame.alignment is not None
    assert frame.alignment.expected == pytest.approx(truth, rel=0.08)
    for cand in (Mean(), GLM(), DecisionTree()):
        raw = cand.fit(frame.without_truth(), budget=Budget.of(60), seed=1).predict(frame).to_numpy()
        aligned, _ = to_horizon(raw, frame.problem.task, frame.alignment, frame.problem.horizon_scale)
        old, _ = to_horizon(raw, frame.problem.task, None, frame.problem.horizon_scale)
        assert aligned.mean() == pytest.approx(truth, rel=0.08), type(cand).__name__
        assert abs(old.mean() / truth - 1) > 0.10, type(cand).__name__  # run-rate: biased, by model
        if isinstance(cand, Mean):
            assert old.mean() > 1.25 * truth  # ignoring dropout over-predicts the base


def test_alignment_reads_no_holdout_data(simulated, tmp_path):
    """Rewrite every transaction after calibration end: the training frame and the alignment do not move."""
    path, log, _ = simulated
    after = log["date"] > pd.Timestamp(CAL_END)
    changed = log.copy()
    changed.loc[after, "amount"] *= 3.0
    extra = changed[after].assign(date=lambda d: d["date"] + pd.Timedelta(days=1))
    changed = pd.concat([changed, extra, extra.assign(customer_id="c00000")])
    other = tmp_path / "changed.csv"
    changed.to_csv(other, index=False, date_format="%Y-%m-%d")
    for target in ("purchases", "spend", "active"):
        a, _ = prepare(customer_experiment(path, target))
        b, _ = prepare(customer_experiment(other, target))
        assert not a.holdout_y.equals(b.holdout_y)
        pd.testing.assert_frame_equal(a.train, b.train)
        pd.testing.assert_frame_equal(a.holdout, b.holdout)
        assert a.alignment == b.alignment
