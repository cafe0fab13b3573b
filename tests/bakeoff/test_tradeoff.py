"""Dominance, the set of the best, the choice rule and the sentences on constructed cases."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bakeoff.config.experiment import ChooseSection
from bakeoff.core.records import Cost, Row, Status
from bakeoff.judge.choice import choose, tolerance_for
from bakeoff.judge.front import annotated, cheaper, sentences
from bakeoff.judge.scoring import score_all


def table(y, preds, fit, monthly, *, metric="roc_auc", rounds=300, seed=0):
    scores = score_all(y, preds, (metric,), rounds=rounds, confidence=0.95, seed=seed)
    rows = [Row(name=n, rung=i, status=Status.OK, fit_s=f, cost=Cost(monthly_usd=c), predict_ms_per_1k=1.0,
                metrics=scores.metrics[n]) for i, (n, f, c) in enumerate(zip(preds, fit, monthly, strict=True))]
    rows = annotated(rows, scores)
    return rows, scores, {r.name: r for r in rows}


def test_dominated_candidate_constructed_on_purpose(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 2000).astype(float)
    good = np.clip(y * 0.6 + rng.random(2000) * 0.4, 0, 1)
    worse = np.clip(y * 0.2 + rng.random(2000) * 0.8, 0, 1)
    rows, scores, by = table(y, {"cheap_good": good, "pricey_worse": worse, "pricey_same": good.copy()},
                             [0.1, 5.0, 5.0], [0.01, 5.0, 5.0])
    assert by["cheap_good"].pareto and by["cheap_good"].dominated_by == []
    assert by["pricey_worse"].dominated_by == ["cheap_good", "pricey_same"]
    assert "shown more accurate" in by["pricey_worse"].dominance[1]
    assert by["pricey_same"].dominated_by == ["cheap_good"]  # same accuracy, slower and dearer
    assert "costs $0.01 a month to run (pricey_same: $5.00)" in by["pricey_same"].dominance[0]
    assert by["cheap_good"].best_set and by["pricey_same"].best_set and not by["pricey_worse"].best_set
    assert choose(rows, scores, ChooseSection()).name == "cheap_good"
    text = " ".join(sentences(rows, scores, 0.95))
    assert "pricey_worse costs $5.00 a month to run (cheap_good: $0.01), and its ROC AUC" in text
    assert "the difference is real" in text and "adjusted p < 0.0033" in text


def test_tied_cheap_candidate_is_chosen_and_both_stay_on_the_front():
    # spend-like: the expensive model is a little better on the point, not shown better; 40x dearer.
    rng = np.random.default_rng(5)
    y = rng.gamma(0.5, 40.0, 1500)
    signal = y + rng.normal(0, 25, 1500)
    cheap = y + rng.normal(0, 25.5, 1500)
    rows, scores, by = table(y, {"pareto_nbd": cheap, "xgboost_tuned": signal}, [0.4, 30.0], [0.03, 1.29],
                             metric="rmse")
    assert by["xgboost_tuned"].metrics["rmse"] < by["pareto_nbd"].metrics["rmse"]
    assert by["xgboost_tuned"].pareto and by["pareto_nbd"].pareto
    assert by["pareto_nbd"].best_set and by["xgboost_tuned"].best_set
    choice = choose(rows, scores, ChooseSection())
    assert choice.name == "pareto_nbd"
    assert "not shown to exceed the tolerance" in choice.reason
    assert "costs $0.03 a month to run (xgboost_tuned: $1.29)" in choice.reason
    assert "tolerance 2% of the best" in choice.reason and "cannot separate the 2 leaders" in choice.reason
    assert choose(rows, scores, ChooseSection(rule="best")).name == "xgboost_tuned"
    strict = choose(rows, scores, ChooseSection(evidence="shown_within"))
    gap, lo, hi = (getattr(by["pareto_nbd"], k) for k in ("shortfall", "shortfall_low", "shortfall_high"))
    assert lo == 0 < gap < hi
    tol = 0.02 * by["xgboost_tuned"].metrics["rmse"]
    assert strict.name == ("pareto_nbd" if hi <= tol else "xgboost_tuned")


def test_cheap_candidate_shown_worse_beyond_tolerance_is_not_chosen():
    rng = np.random.default_rng(2)
    y = rng.normal(0, 1, 20000)
    preds = {"rule": y + rng.normal(0, 1.2, 20000), "boosted": y + rng.normal(0, 1.0, 20000)}
    rows, scores, by = table(y, preds, [0.01, 10.0], [0.001, 2.0], metric="rmse")
    assert by["rule"].shortfall_low > 0.02 * by["boosted"].metrics["rmse"]
    choice = choose(rows, scores, ChooseSection())
    assert choice.name == "boosted"
    assert "shown to exceed the tolerance" in choice.reason and "the closest, rule" in choice.reason
    # a tolerance wide enough for a 20% worse RMSE hands the choice to the cheap rule
    assert choose(rows, scores, ChooseSection(tolerance=0.3)).name == "rule"


def test_simplest_within_prefers_the_lowest_rung():
    rng = np.random.default_rng(4)
    y = rng.normal(0, 1, 3000)
    preds = {"glm": y + rng.normal(0, 1.0, 3000), "tree": y + rng.normal(0, 0.99, 3000)}
    rows, scores, _ = table(y, preds, [3.0, 3.0], [0.5, 0.4], metric="rmse")  # tree a bit cheaper (tied)
    assert choose(rows, scores, ChooseSection(rule="simplest_within")).name == "glm"
    assert choose(rows, scores, ChooseSection()).name == "glm"  # costs tied: the lower rung
    # tied costs on one rung go to the better point estimate
    rows, scores, _ = table(y, preds, [3.0, 3.0], [0.5, 0.4], metric="rmse")
    rows = [replace(r, rung=1) for r in rows]
    assert choose(rows, scores, ChooseSection()).name == "tree"


def test_the_dollar_margin_comes_from_cost_and_decides_flags():
    from bakeoff.config.experiment import CostSection
    from bakeoff.judge.front import Margins

    rng = np.random.default_rng(8)
    y = rng.normal(0, 1, 3000)
    same = y + rng.normal(0, 1.0, 3000)
    preds = {"rule": same, "boosted": same.copy()}
    # $0.02 against $0.60 a month: 30x, but under the default $1 margin, so a tie and both on the front
    rows, scores, by = table(y, preds, [0.1, 0.2], [0.02, 0.6], metric="rmse")
    assert by["rule"].pareto and by["boosted"].pareto
    # a team that budgets to the cent sets the margin lower: now the rule dominates
    tight = Margins.of(CostSection(negligible_usd=0.01))
    assert tight.usd == 0.01 and "$0.01 a month" in tight.text()
    by = {r.name: r for r in annotated(rows, scores, tight)}
    assert by["boosted"].dominated_by == ["rule"]
    assert "costs $0.02 a month to run (boosted: $0.60)" in by["boosted"].dominance[0]
    assert choose(list(by.values()), scores, ChooseSection(), tight).name == "rule"


def test_costs_tied_within_the_noise_margin_give_the_same_flags():
    rng = np.random.default_rng(6)
    y = rng.integers(0, 2, 800).astype(float)
    p = np.clip(y * 0.3 + rng.random(800) * 0.7, 0, 1)
    preds = {"mean": np.full(800, y.mean()), "run_rate": np.full(800, 0.4), "rule": p}
    flags = []
    for fits in ([0.001, 0.003, 0.02], [0.004, 0.001, 0.05], [0.002, 0.002, 0.9]):
        rows, scores, by = table(y, preds, fits, [f * 1e-4 for f in fits])
        flags.append([(r.name, r.pareto, tuple(r.dominated_by or ()), r.best_set) for r in rows]
                     + [choose(rows, scores, ChooseSection()).name])
    assert flags[0] == flags[1] == flags[2]
    assert not cheaper(0.001, 0.003, 1.0) and cheaper(0.5, 3.0, 1.0) and not cheaper(1.0, 1.9, 0.0)


def test_per_metric_default_tolerances_and_overrides():
    assert tolerance_for("roc_auc", ChooseSection()) == (0.01, False)
    assert tolerance_for("r2", ChooseSection()) == (0.01, False)
    assert tolerance_for("rmse", ChooseSection()) == (0.02, True)
    assert tolerance_for("poisson_deviance", ChooseSection()) == (0.02, True)
    assert tolerance_for("rmse", ChooseSection(tolerance=0.05)) == (0.05, True)
    assert tolerance_for("roc_auc", ChooseSection(tolerance=0.03, relative=True)) == (0.03, True)


def test_points_only_choice_without_bootstrap():
    y = np.array([0, 0, 1, 1, 0, 1, 0, 1] * 50, dtype=float)
    best = y * 0.9 + 0.05
    near = np.where(np.arange(len(y)) == 2, 0.01, best)  # one positive ranked low: AUC slightly lower
    rows, scores, by = table(y, {"rule": near, "boosted": best}, [0.01, 10.0], [0.001, 2.0], rounds=0)
    assert choose(rows, scores, ChooseSection(tolerance=0.05)).name == "rule"
    assert choose(rows, scores, ChooseSection(rule="best")).name == "boosted"
    assert choose(rows, scores, ChooseSection(tolerance=0.0)).name == "boosted"
    assert by["rule"].shortfall == pytest.approx(by["boosted"].metrics["roc_auc"]
                                                    - by["rule"].metrics["roc_auc"])
