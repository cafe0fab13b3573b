"""The ``[value]`` columns of a run: each candidate's value and net value a month, with intervals.

:func:`evaluate` applies the policy of :mod:`bakeoff.judge.value` to every candidate's holdout
predictions, projects the holdout to a month, bootstraps on the primary metric's resamples and
nets the running cost off; :func:`sentences` says it in dollars.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from bakeoff.core.records import Row, Value
from bakeoff.judge.value import (
    ValueSection,
    act_weights,
    best_threshold,
    bootstrapped,
    curve,
    money,
    order_cost,
    order_quantity,
    payoff,
    top_share,
)


@dataclass(frozen=True)
class CandidateValue:
    """One candidate's dollars a month: value and net value (value - running cost) with intervals."""

    value: float
    low: float
    high: float
    running: float
    share: float
    acted: float
    threshold: float | None
    replicates: np.ndarray = field(repr=False)

    @property
    def net(self) -> float:
        """Value less the running cost."""
        return self.value - self.running

    @property
    def net_replicates(self) -> np.ndarray:
        """Bootstrap replicates of the net value (paired with every other candidate's)."""
        return self.replicates - self.running

    def fields(self) -> dict[str, float | None]:
        """The row fields (``results.json`` names)."""
        return {"value_usd_month": self.value, "value_low": self.low, "value_high": self.high,
                "net_usd_month": self.net, "net_low": self.low - self.running,
                "net_high": self.high - self.running, "value_share": self.share, "acted_share": self.acted,
                "value_threshold": self.threshold}


@dataclass
class ValueReport:
    """Everything the report says about value: per-candidate dollars, baselines and curves."""

    section: ValueSection
    policy: str
    population: float
    n: int
    oracle: float
    nobody: float
    everybody: float | None
    candidates: dict[str, CandidateValue] = field(default_factory=dict)
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    oracle_curve: tuple[np.ndarray, np.ndarray] | None = None
    leaders: tuple[str, ...] = ()
    trivial: dict[str, tuple[float, np.ndarray]] = field(default_factory=dict)  # policy -> (value, replicates)

    def summary(self) -> str:
        """One line naming the policy and what the baselines earn a month."""
        every = f", acting on everybody {money(self.everybody)}" if self.everybody is not None else ""
        what = {"top_fraction": f"act on the top {(self.section.fraction or 0):.0%}",
                "threshold": "act where the score reaches a threshold chosen on the training rows",
                "order": "order the forecast (cost of shortfalls and leftovers)"}[self.policy]
        return (f"Value policy: {what}, {self.population:,.0f} decisions a month (holdout x "
                f"{self.scale:,.4g}). Perfect foresight earns {money(self.oracle)} a month, acting on nobody "
                f"{money(self.nobody)}{every}; net value = value - running cost.")

    @property
    def scale(self) -> float:
        """Holdout rows to a month's population."""
        return self.population / max(self.n, 1)

    def baselines(self) -> dict[str, float | None]:
        """Oracle, act-on-nobody and act-on-everybody value a month (``results.json``)."""
        return {"policy": self.policy, "population_per_month": self.population, "oracle_usd_month": self.oracle,
                "nobody_usd_month": self.nobody, "everybody_usd_month": self.everybody}


def evaluate(section: ValueSection, kind: str, target: str, y: np.ndarray, predictions: dict[str, np.ndarray],
             running: dict[str, float], validation: dict[str, dict[str, list[float]]],
             chunks: Callable[[], Iterable[np.ndarray]], *, population: float, confidence: float) -> ValueReport:
    """Price every candidate's decisions on the holdout.

    Args:
        section: The ``[value]`` section.
        kind: Problem kind (binary, regression, count, customer_base).
        target: The customer_base target (purchases, active, spend).
        y: Realised holdout outcomes.
        predictions: Holdout predictions per candidate.
        running: Running cost a month per candidate.
        validation: Inner-validation ``{"y": ..., "p": ...}`` on training rows per candidate (threshold and
            quantile policies); holdout outcomes are never used to tune the policy.
        chunks: Yields the primary metric's bootstrap resamples (rows of indices), the same each call.
        population: Decisions a month.
        confidence: Interval level.
    """
    policy = section.resolved_policy(kind)
    y = np.asarray(y, dtype=float)
    rep = _baselines(section, kind, target, y, policy, population)
    alpha = (1 - confidence) / 2
    for name, pred in predictions.items():
        contrib, acted, thr = _contributions(section, kind, target, y, pred, validation.get(name) or {}, policy)
        reps = bootstrapped(contrib, chunks(), rep.scale)
        value = float(contrib.sum() * rep.scale)
        lo, hi = (float(np.quantile(reps, alpha)), float(np.quantile(reps, 1 - alpha))) if len(reps) \
            else (math.nan, math.nan)
        gap = rep.oracle - rep.nobody
        share = (value - rep.nobody) / gap if gap > 0 else math.nan
        rep.candidates[name] = CandidateValue(value, lo, hi, running.get(name, 0.0), share, acted, thr, reps)
        if policy != "order":
            shares, vals = curve(pred, payoff(section, kind, target, y), rep.scale)
            rep.curves[name] = (shares, vals - running.get(name, 0.0))
    if policy != "order":
        rep.oracle_curve = curve(payoff(section, kind, target, y).gain, payoff(section, kind, target, y), rep.scale)
    rep.trivial = trivial_policies(section, kind, target, y, policy, chunks, rep.scale)
    return rep


def trivial_policies(section: ValueSection, kind: str, target: str, y: np.ndarray, policy: str,
                     chunks: Callable[[], Iterable[np.ndarray]], scale: float) -> dict[str, tuple[float, np.ndarray]]:
    """What doing nothing clever earns a month, on the same resamples as the candidates (paired with them).

    Binary and customer policies: acting on everybody and acting on nobody; ``order``: ordering nothing.
    """
    if policy == "order":
        contribs = {"ordering nothing": order_cost(section, y, np.zeros_like(y))}
    else:
        pay = payoff(section, kind, target, y)
        contribs = {"acting on everybody": pay.base + pay.gain, "acting on nobody": pay.base}
    return {name: (float(c.sum() * scale), bootstrapped(c, chunks(), scale)) for name, c in contribs.items()}


def _baselines(section: ValueSection, kind: str, target: str, y: np.ndarray, policy: str,
               population: float) -> ValueReport:
    scale = population / max(len(y), 1)
    if policy == "order":
        nobody = float(order_cost(section, y, np.zeros_like(y)).sum() * scale)
        return ValueReport(section, policy, population, len(y), 0.0, nobody, None)
    pay = payoff(section, kind, target, y)
    base = float(pay.base.sum())
    if policy == "top_fraction":
        best = top_share(pay.gain, section.fraction or 0.0) @ pay.gain
    else:
        best = np.clip(pay.gain, 0.0, None).sum()
    return ValueReport(section, policy, population, len(y), float((base + best) * scale), base * scale,
                       float((base + pay.gain.sum()) * scale))


def _contributions(section: ValueSection, kind: str, target: str, y: np.ndarray, pred: np.ndarray,
                   val: dict[str, list[float]], policy: str) -> tuple[np.ndarray, float, float | None]:
    """Per-row dollars on the holdout, the share of rows acted on and the threshold used (if any)."""
    pred = np.asarray(pred, dtype=float)
    if policy == "order":
        resid = np.asarray(val.get("y", []), float) - np.asarray(val.get("p", []), float) if val else None
        qty = order_quantity(section, pred, resid)
        return order_cost(section, y, qty), 1.0, None
    pay = payoff(section, kind, target, y)
    thr = None
    if policy == "threshold":
        thr = threshold_from(section, kind, target, val)
    act = act_weights(section, kind, pred, thr)
    return pay.base + act * pay.gain, float(act.mean()) if len(act) else 0.0, thr


def threshold_from(section: ValueSection, kind: str, target: str, val: dict[str, list[float]]) -> float:
    """The value-maximising threshold on the inner-validation rows (training data only).

    Without them (the candidate could not be refitted on a part of its training rows) the
    threshold a calibrated probability would use is taken: act where the expected gain of acting,
    ``p x (value_tp + cost_fn) + (1 - p) x value_fp - cost_action``, is positive.
    """
    if val.get("y"):
        vy = np.asarray(val["y"], dtype=float)
        return best_threshold(np.asarray(val["p"], dtype=float), payoff(section, kind, target, vy))
    tp, fp = section.value_per_true_positive or 0.0, section.value_per_false_positive or 0.0
    fn, act = section.cost_per_false_negative or 0.0, section.cost_per_action or 0.0
    denom = tp + fn - fp
    return (act - fp) / denom if denom > 0 else math.inf


def attach(section: ValueSection, rows: list[Row], kind: str, target: str, y: np.ndarray,
           predictions: dict[str, np.ndarray], chunks: Callable[[], Iterable[np.ndarray]], *, population: float,
           confidence: float) -> ValueReport:
    """Evaluate ``[value]`` for the OK rows and set their ``value`` (in place)."""
    ok = [r for r in rows if r.ok and r.name in predictions and r.cost is not None]
    running = {r.name: r.cost.monthly_usd for r in ok if r.cost is not None}
    validation = {r.name: r.validation or {} for r in ok}
    report = evaluate(section, kind, target, y, {r.name: predictions[r.name] for r in ok}, running, validation,
                      chunks, population=population, confidence=confidence)
    for r in ok:
        r.value = Value(**report.candidates[r.name].fields())
    return report
