"""The simultaneous max-T judgement on constructed cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from bakeoff.judge.maxt import Judgement, critical, format_p, leave_one_out_sd, pair_se, studentized_max
from bakeoff.judge.scoring import score_all


def test_critical_value_and_adjusted_p_agree_exactly():
    rng = np.random.default_rng(0)
    for b in (7, 100, 500):
        tmax = np.round(rng.gamma(2.0, 1.0, b), 1)  # many ties on purpose
        for alpha in (0.05, 0.1, 0.2):
            c = critical(tmax, alpha)
            for t in np.linspace(0, 8, 161):
                assert (t > c) == (np.mean(tmax >= t) < alpha)


def test_identical_candidates_are_tied_with_a_zero_interval():
    y = np.arange(50, dtype=float) % 7
    p = y + np.sin(np.arange(50))
    s = score_all(y, {"a": p, "b": p.copy()}, ("rmse",), rounds=200, confidence=0.95, seed=0)
    j = s.judge(("a", "b"))
    assert not j.shown_better(0, 1) and not j.shown_better(1, 0)
    assert j.interval(0, 1) == (0.0, 0.0, 0.0)
    assert j.in_best_set(0) and j.in_best_set(1)
    assert j.shortfall(1) == (0.0, 0.0, 0.0)


def test_clearly_better_candidate_is_shown_and_p_is_below_one_over_b():
    rng = np.random.default_rng(1)
    y = rng.normal(size=4000)
    s = score_all(y, {"good": y + rng.normal(0, 0.5, 4000), "bad": y + rng.normal(0, 2.0, 4000)}, ("rmse",),
                  rounds=200, confidence=0.95, seed=1)
    j = s.judge(("good", "bad"))
    assert j.best == 0 and j.shown_better(0, 1) and not j.shown_better(1, 0)
    assert not j.in_best_set(1) and j.in_best_set(0)
    assert j.p_value(0, 1) == 0.0 and format_p(j.p_value(0, 1), j.rounds) == "p < 0.005"
    point, lo, hi = j.interval(1, 0)  # RMSE(bad) - RMSE(good) ~ 2.0 - 0.5
    assert 0 < lo < point < hi and point == pytest.approx(1.5, abs=0.1)
    gap, slo, shi = j.shortfall(1)
    assert gap == pytest.approx(point) and slo == pytest.approx(lo) and shi == pytest.approx(hi)


def test_no_bootstrap_compares_points_only():
    j = Judgement.from_replicates(("a", "b"), np.array([0.8, 0.7]), None, higher_is_better=True, confidence=0.95)
    assert j.points_only and j.shown_better(0, 1) and not j.in_best_set(1)
    assert j.shortfall(1) == pytest.approx((0.1, 0.1, 0.1))
    assert format_p(j.p_value(0, 1), j.rounds) == "p n/a"


def test_unusable_resamples_are_dropped_for_all_candidates():
    reps = np.array([[0.7, 0.6], [np.nan, 0.5], [0.72, 0.61], [0.69, 0.58]])
    j = Judgement.from_replicates(("a", "b"), np.array([0.7, 0.6]), reps, higher_is_better=True,
                                  confidence=0.9)
    assert j.rounds == 3
    assert j.se[0, 1] == pytest.approx(np.std([0.1, 0.11, 0.11], ddof=1))


def test_false_real_difference_calls_are_controlled_family_wise():
    # 8 equally good candidates (independent noise of the same size), 60 seeded holdouts: a naive
    # per-pair 95% interval calls at least one of the 28 pairs "real" in most runs; the max-T
    # judgement does so in about 5% (binomial sd ~3% with 60 runs).
    rng = np.random.default_rng(7)
    any_false = 0
    for _ in range(60):
        y = rng.normal(size=400)
        preds = {f"m{i}": y + rng.normal(0, 1.0, 400) for i in range(8)}
        s = score_all(y, preds, ("rmse",), rounds=200, confidence=0.95, seed=int(rng.integers(1 << 30)))
        j = s.judge(tuple(preds))
        any_false += any(j.shown_better(a, b) for a in range(8) for b in range(8))
    assert any_false / 60 <= 0.12


def test_detectable_difference_is_about_2_8_standard_errors_for_two_candidates():
    rng = np.random.default_rng(3)
    reps = rng.normal(size=(20000, 2)) * [1.0, 1.0]
    j = Judgement.from_replicates(("a", "b"), np.zeros(2), reps, higher_is_better=True, confidence=0.95)
    assert j.detectable(0, 1) / j.se[0, 1] == pytest.approx(1.96 + 0.84, abs=0.05)


def test_one_huge_error_does_not_hide_a_model_that_every_resample_shows_worse():
    # "rough" is worse on every customer by a little, and on one customer by a lot: resamples without that
    # customer (about 37%) still show it worse, but the standard deviation of the difference is dominated by
    # how often that one customer is drawn.
    rng = np.random.default_rng(3)
    n = 2000
    y = rng.gamma(2.0, 10.0, n)
    good = y + rng.normal(0, 5.0, n)
    rough = y + rng.normal(0, 6.0, n)
    rough[0] = y[0] + 1500.0
    scores = score_all(y, {"good": good, "rough": rough}, ("rmse",), rounds=500, confidence=0.95, seed=1)
    j = scores.judge(("good", "rough"))
    reps = scores.replicates["rough"] - scores.replicates["good"]
    assert reps.min() > 0  # every resample says rough is worse
    d, s = j.util[0] - j.util[1], j.se[0, 1]
    assert d - j.crit * s < 0  # a +- c * sd interval alone would call it a tie
    assert j.shaped[0, 1] and j.shown_better(0, 1) and not j.in_best_set(1)


def test_near_normal_pairs_use_the_studentized_interval_alone():
    rng = np.random.default_rng(4)
    y = rng.normal(0, 1, 3000)
    preds = {f"c{i}": y + rng.normal(0, 1.0, 3000) for i in range(4)}
    j = score_all(y, preds, ("rmse",), rounds=500, confidence=0.95, seed=2).judge(tuple(preds))
    assert not j.shaped.any()
    for a in range(4):
        for b in range(4):
            if a != b:
                d, lo, hi = j.interval(a, b)
                assert hi - lo == pytest.approx(2 * j.crit * j.se[a, b])


def test_leave_one_out_sd_matches_deleting_each_replicate():
    x = np.random.default_rng(0).normal(5.0, 2.0, 50)
    brute = [np.std(np.delete(x, b), ddof=1) for b in range(50)]
    assert leave_one_out_sd(x) == pytest.approx(brute, rel=1e-12)
    # the others do not vary: the full standard deviation stands in
    assert leave_one_out_sd(np.array([1.0, 1.0, 1.0, 3.0]))[3] == pytest.approx(1.0)


def test_level_is_nominal_when_observed_and_resampled_differences_are_exchangeable():
    # 8 truly equal candidates; the replicates' deviations have the same law as the holdout's error,
    # so an exact Monte Carlo test rejects in 5 / 101 of the runs (B = 100). Studentizing each replicate
    # by the spread of the others keeps that; by a spread that contains the replicate (the old way,
    # recomputed here independently) the 28 pair weights are tuned to the replicates: ~6.9%.
    rng = np.random.default_rng(12)
    k, b, sims = 8, 100, 3000
    iu = np.triu_indices(k, 1)
    loo = insample = 0
    for _ in range(sims):
        u0 = rng.normal(size=k)
        util = u0 + rng.normal(size=(b, k))
        se = pair_se(util)
        t = np.max(np.abs(u0[iu[0]] - u0[iu[1]]) / se[iu])
        loo += t > critical(studentized_max(util, u0, se), 0.05)
        dev = np.abs((util[:, iu[0]] - util[:, iu[1]]) - (u0[iu[0]] - u0[iu[1]])) / se[iu]
        insample += t > critical(dev.max(axis=1), 0.05)
    assert abs(loo / sims - 5 / 101) < 0.012  # binomial sd 0.4 points
    assert insample / sims > loo / sims + 0.01
