"""Hand-built choice cases with the answer the ``[choose]`` rule must give (used by tests and benchmarks/choices.py).

Each case is a holdout, the candidates' predictions on it, their monthly costs and rungs; no timing.
The expected answers follow from the rule in :mod:`bakeoff.judge.choice`: the benefit of the doubt protects a
candidate only against candidates that cost more than it by a real margin; against a cost tie the better
point estimate wins unless its lead is within the tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bakeoff.core.records import Cost, Row, Status
from bakeoff.judge.front import annotated
from bakeoff.judge.scoring import Scores, score_all


@dataclass(frozen=True)
class Case:
    """A constructed table: predictions, monthly dollars and rungs per candidate, and the expected choice."""

    name: str
    what: str
    expected: str
    y: np.ndarray
    preds: dict[str, np.ndarray]
    monthly: dict[str, float]
    rungs: dict[str, int]
    metric: str = "roc_auc"

    def table(self, rounds: int = 400, seed: int = 0) -> tuple[list[Row], Scores]:
        """The rows (costs set, flags annotated) and the scores of this case."""
        scores = score_all(self.y, self.preds, (self.metric,), rounds=rounds, confidence=0.95, seed=seed)
        rows = [Row(name=n, rung=self.rungs[n], status=Status.OK, fit_s=1.0, predict_ms_per_1k=1.0,
                    cost=Cost(monthly_usd=self.monthly[n]), metrics=scores.metrics[n]) for n in self.preds]
        return annotated(rows, scores), scores


def _scores(y: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Probabilities that rank positives above negatives with the given signal strength."""
    return 1.0 / (1.0 + np.exp(-(strength * (y - 0.5) + rng.normal(0, 1, len(y)))))


def cases() -> list[Case]:
    """The constructed cases, each with a fixed seed."""
    out = []
    rng = np.random.default_rng(11)
    y = (rng.random(800) < 0.3).astype(float)
    out.append(Case("cost_tied_real_gap", "a SQL rule and a GLM that cost the same; the GLM leads by ~4x the "
                    "tolerance on an 800-row holdout, not shown", "glm", y,
                    {"sql_rule": _scores(y, 0.9, rng), "glm": _scores(y, 1.25, rng)},
                    {"sql_rule": 0.00002, "glm": 0.00004}, {"sql_rule": 1, "glm": 2}))
    rng = np.random.default_rng(12)
    y = (rng.random(800) < 0.3).astype(float)
    base = _scores(y, 1.2, rng)
    out.append(Case("cost_tied_small_gap", "the same two at the same cost; the GLM's lead is within the tolerance",
                    "sql_rule", y, {"sql_rule": base, "glm": np.clip(base + rng.normal(0, 0.01, 800), 0, 1)},
                    {"sql_rule": 0.00002, "glm": 0.00004}, {"sql_rule": 1, "glm": 2}))
    rng = np.random.default_rng(13)
    y = (rng.random(800) < 0.3).astype(float)
    out.append(Case("cheap_rule_costly_model", "a rule 500x cheaper ($0.01 against $5 a month) trailing tuned "
                    "XGBoost by ~3x the tolerance, not shown: the evidence protects the cheap rule",
                    "sql_rule", y, {"sql_rule": _scores(y, 1.0, rng), "xgboost_tuned": _scores(y, 1.2, rng)},
                    {"sql_rule": 0.01, "xgboost_tuned": 5.0}, {"sql_rule": 1, "xgboost_tuned": 5}))
    rng = np.random.default_rng(14)
    y = (rng.random(20000) < 0.3).astype(float)
    out.append(Case("cheap_rule_shown_worse", "the same trade on a 20,000-row holdout, where the gap is shown "
                    "to exceed the tolerance", "xgboost_tuned", y,
                    {"sql_rule": _scores(y, 1.0, rng), "xgboost_tuned": _scores(y, 1.3, rng)},
                    {"sql_rule": 0.01, "xgboost_tuned": 5.0}, {"sql_rule": 1, "xgboost_tuned": 5}))
    rng = np.random.default_rng(15)
    y = (rng.random(20000) < 0.5).astype(float)
    out.append(Case("noise", "no signal, tied costs, a 20,000-row holdout: chance leads stay within the tolerance, "
                    "so the lowest rung", "mean", y,
                    {"mean": np.full(20000, y.mean()), "glm": rng.random(20000), "xgboost": rng.random(20000)},
                    {"mean": 0.0, "glm": 0.00003, "xgboost": 0.0001}, {"mean": 0, "glm": 2, "xgboost": 4}))
    return out
