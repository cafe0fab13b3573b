"""The bootstrap-t's per-resample standard errors, against direct computations and a simulation with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from bakeoff.judge.maxt import Judgement, pair_se
from bakeoff.judge.scoring import bootstrap_chunks, score_all
from bakeoff.judge.studentize import affordable


def influence_se(terms_i: np.ndarray, terms_j: np.ndarray, slope_i: float, slope_j: float) -> float:
    """The delta-method standard error written out row by row (independent of the moment sums)."""
    a = slope_i * (terms_i - terms_i.mean()) - slope_j * (terms_j - terms_j.mean())
    return float(np.sqrt(np.mean(a**2) / len(a)))


def test_rmse_standard_errors_match_the_influence_values_on_the_holdout_and_on_a_resample():
    rng = np.random.default_rng(5)
    n = 300
    y = rng.gamma(2.0, 3.0, n)
    preds = {"a": y + rng.normal(0, 1.0, n), "b": y + rng.normal(0, 2.0, n), "c": 0.9 * y + 1.0}
    s = score_all(y, preds, ("rmse",), rounds=40, confidence=0.95, seed=9)
    point, reps = s.moments.point_se(), s.moments.replicate_se()
    sq = {k: (y - p) ** 2 for k, p in preds.items()}
    for i, j in (("a", "b"), ("a", "c"), ("b", "c")):
        r_i, r_j = np.sqrt(sq[i].mean()), np.sqrt(sq[j].mean())
        want = influence_se(sq[i], sq[j], 0.5 / r_i, 0.5 / r_j)  # d sqrt(m) / dm = 1 / (2 sqrt(m))
        assert point[s.moments.names.index(i), s.moments.names.index(j)] == pytest.approx(want, rel=1e-6)
    idx = next(bootstrap_chunks(n, 40, 9))[7]  # resample 7, drawn exactly as the bootstrap does
    ti, tj = sq["a"][idx], sq["c"][idx]
    want = influence_se(ti, tj, 0.5 / np.sqrt(ti.mean()), 0.5 / np.sqrt(tj.mean()))
    assert reps[7, 0, 2] == pytest.approx(want, rel=1e-6)
    assert np.allclose(np.diagonal(reps, axis1=1, axis2=2), 0.0)


def test_near_normal_pairs_take_the_holdout_standard_error_and_a_shaped_pair_keeps_the_bootstrap_sd():
    rng = np.random.default_rng(3)
    n = 2000
    y = rng.gamma(2.0, 10.0, n)
    good, fair = y + rng.normal(0, 5.0, n), y + rng.normal(0, 5.5, n)
    rough = y + rng.normal(0, 6.0, n)
    rough[0] = y[0] + 1500.0  # one customer carries rough's excess: far from normal
    s = score_all(y, {"good": good, "fair": fair, "rough": rough}, ("rmse",), rounds=300, confidence=0.95,
                  seed=1)
    j = s.judge(("good", "fair", "rough"))
    boot = pair_se(-np.column_stack([s.replicates[k] for k in j.names]))
    assert j.se[0, 1] == pytest.approx(s.moments.point_se()[0, 1]) and j.se[0, 1] != pytest.approx(boot[0, 1])
    assert j.shaped[0, 2] and j.se[0, 2] == pytest.approx(boot[0, 2])
    assert j.shown_better(0, 2) and not j.in_best_set(2)


def test_the_moments_are_left_out_beyond_the_budget_and_for_metrics_without_row_terms():
    assert affordable(500, 2357, 16) and not affordable(500, 1_000_000, 16)
    y = np.r_[np.zeros(50), np.ones(50)]
    p = np.linspace(0.1, 0.9, 100)
    assert score_all(y, {"a": p, "b": p[::-1]}, ("roc_auc",), rounds=20, confidence=0.9, seed=0).moments is None


def test_bootstrap_t_holds_the_family_wise_level_where_a_fixed_scale_does_not():
    # 8 equally good candidates on 200 rows with a heavy-tailed shared noise: the standard error of each
    # difference is itself uncertain, which a scale held fixed across resamples leaves out. Exact level of
    # the Monte Carlo test: 10 / 201 = 4.98%; binomial sd with 600 runs: 0.9 points.
    rng = np.random.default_rng(2)
    k, n, b, sims = 8, 200, 200, 600
    hall = loo = 0
    for _ in range(sims):
        y = rng.normal(size=n)
        noise = rng.standard_t(5, size=n)
        preds = {f"m{i}": y + noise + rng.normal(0, 0.5, n) for i in range(k)}
        s = score_all(y, preds, ("rmse",), rounds=b, confidence=0.95, seed=int(rng.integers(1 << 30)))
        names = tuple(preds)
        hall += not all(s.judge(names).in_best_set(i) for i in range(k))
        fixed = Judgement.from_replicates(names, np.array([s.metrics[m]["rmse"] for m in names]),
                                          np.column_stack([s.replicates[m] for m in names]),
                                          higher_is_better=False, confidence=0.95)
        loo += not all(fixed.in_best_set(i) for i in range(k))
    assert hall / sims <= 0.05 + 0.018
    assert loo / sims - hall / sims >= 0.015


def test_poisson_deviance_standard_error_matches_the_influence_values():
    rng = np.random.default_rng(8)
    n = 400
    y = rng.poisson(2.0, n).astype(float)
    preds = {"a": np.full(n, 2.0), "b": rng.gamma(4.0, 0.5, n)}
    s = score_all(y, preds, ("poisson_deviance",), rounds=20, confidence=0.95, seed=4)
    terms = {k: np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / p), 0.0) - (y - p) for k, p in preds.items()}
    want = influence_se(terms["a"], terms["b"], 2.0, 2.0)  # deviance = 2 x mean of the terms
    assert s.moments.point_se()[0, 1] == pytest.approx(want, rel=1e-6)


def test_a_subset_in_another_order_reads_the_same_pairs():
    rng = np.random.default_rng(6)
    y = rng.normal(size=500)
    preds = {c: y + rng.normal(0, 1.0 + 0.1 * i, 500) for i, c in enumerate("abcd")}
    s = score_all(y, preds, ("rmse",), rounds=100, confidence=0.95, seed=2)
    full, sub, at = s.judge(tuple("abcd")), s.judge(("d", "b", "a")), [3, 1, 0]
    point = s.moments.point_se()
    hall = 0
    for i in range(3):
        for j in range(3):
            assert sub.se[i, j] == pytest.approx(full.se[at[i], at[j]])
            hall += i != j and sub.se[i, j] == pytest.approx(point[at[i], at[j]])
    assert hall >= 2  # at least one pair (both orders) read by the bootstrap-t


def test_unstable_or_near_identical_pairs_fall_back_to_the_bootstrap_sd():
    rng = np.random.default_rng(9)
    n = 2000
    y = rng.normal(size=n)
    p = y + rng.normal(0, 1.0, n)
    preds = {"a": p, "twin": p + 1e-9 * rng.normal(size=n), "other": y + rng.normal(0, 1.0, n)}
    s = score_all(y, preds, ("rmse",), rounds=200, confidence=0.95, seed=3)
    j = s.judge(("a", "twin", "other"))
    assert s.moments.point_se()[0, 1] == 0.0  # the subtraction lost its digits: no delta-method SE
    boot = pair_se(-np.column_stack([s.replicates[k] for k in j.names]))
    assert j.se[0, 1] == pytest.approx(boot[0, 1]) and j.se[0, 2] == pytest.approx(s.moments.point_se()[0, 2])
    point, rep = s.moments.point_se(), s.moments.replicate_se()
    rep[7, 0, 2] = rep[7, 2, 0] = 0.4 * point[0, 2]  # one resample whose own error looks far too precise
    util = -np.column_stack([s.replicates[k] for k in j.names])
    unstable = Judgement.from_replicates(j.names, j.point, -util, higher_is_better=False, confidence=0.95,
                                         studentized=(point, rep))
    assert unstable.se[0, 2] == pytest.approx(boot[0, 2])


def test_the_written_out_normal_scores_are_scipys():
    from scipy.stats import norm

    from bakeoff.judge.maxt import PROBS, Z

    assert Z.tolist() == norm.ppf(PROBS).tolist()  # exactly: the judge imports no scipy.stats at start-up
