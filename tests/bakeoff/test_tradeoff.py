"""Dominance, the choice rule and the sentences on constructed cases."""

from __future__ import annotations

import numpy as np

from bakeoff.config import ChooseSection
from bakeoff.row import Cost, Row, Status
from bakeoff.scoring import score_all
from bakeoff.tradeoff import annotate, choose, sentences


def rows_for(names, fit, monthly):
    return [Row(name=n, rung=i, status=Status.OK, fit_s=f, cost=Cost(monthly_usd=c))
            for i, (n, f, c) in enumerate(zip(names, fit, monthly, strict=True))]


def test_dominated_candidate_constructed_on_purpose(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 2000).astype(float)
    good = np.clip(y * 0.6 + rng.random(2000) * 0.4, 0, 1)
    worse = np.clip(y * 0.2 + rng.random(2000) * 0.8, 0, 1)
    preds = {"cheap_good": good, "pricey_worse": worse, "pricey_same": good.copy()}
    scores = score_all(y, preds, ("roc_auc",), rounds=200, confidence=0.95, seed=seed)
    rows = rows_for(list(preds), [0.1, 5.0, 5.0], [0.01, 1.0, 1.0])
    for r in rows:
        r.metrics = scores.metrics[r.name]
    annotate(rows, scores)
    by = {r.name: r for r in rows}
    assert by["cheap_good"].pareto and by["cheap_good"].dominated_by == []
    assert by["pricey_worse"].dominated_by == ["cheap_good", "pricey_same"]
    assert by["pricey_same"].dominated_by == ["cheap_good"]  # tied accuracy, slower and dearer
    choice = choose(rows, scores, ChooseSection(rule="cheapest_within", tolerance=0.01))
    assert choice.name == "cheap_good"
    text = " ".join(sentences(rows, scores, 0.95))
    assert "pricey_worse is 100× more expensive to run than cheap_good" in text
    assert "the difference is real" in text


def test_cheapest_within_tolerance_prefers_cheaper_near_tie():
    y = np.array([0, 0, 1, 1, 0, 1, 0, 1] * 50, dtype=float)
    best = y * 0.9 + 0.05
    near = np.where(np.arange(len(y)) == 2, 0.01, best)  # one positive ranked low: AUC slightly lower
    scores = score_all(y, {"boosted": best, "rule": near}, ("roc_auc",), rounds=0, confidence=0.95, seed=0)
    rows = rows_for(["rule", "boosted"], [0.01, 10.0], [0.001, 2.0])
    for r in rows:
        r.metrics = scores.metrics[r.name]
    annotate(rows, scores)
    assert choose(rows, scores, ChooseSection(tolerance=0.05)).name == "rule"
    assert choose(rows, scores, ChooseSection(rule="best")).name == "boosted"
    assert choose(rows, scores, ChooseSection(tolerance=0.0)).name == "boosted"
