"""From predictions to money: the decision a business rule takes on them, and what it earns (``[value]``).

Every policy turns a candidate's holdout predictions into decisions and prices each holdout
row's outcome, giving one dollar *contribution* per row; a candidate's value is their sum
scaled to a month (``population_per_month / holdout rows``), and its bootstrap replicates are
sums over the same resamples as the primary metric, so value comparisons are paired too.

* binary, ``top_fraction``: act on the top ``fraction`` by score (rows tied at the cut-off
  share the remaining actions, so a constant predictor is random targeting);
* binary, ``threshold``: act where the score reaches a threshold chosen **on the training
  data** (the worker's inner validation split) to maximise value; holdout labels never enter;
* regression / count, ``order``: order (stock, staff) the prediction, or the prediction plus the
  ``quantile`` of the validation residuals, and pay ``cost_per_unit_under`` per unit short and
  ``cost_per_unit_over`` per unit left over (a newsvendor view; value is minus that cost);
* customer_base, ``top_fraction``: contact the top ``fraction`` of customers by predicted value and
  earn ``margin`` x realised spend, ``value_per_active_customer`` or ``value_per_purchase`` on
  them, less ``cost_per_contact`` each.

The oracle applies the same policy with perfect foresight (the same fraction, or acting exactly
where it pays; ordering the realised amount); "nobody" and "everybody" act on no row / every row.
The *share of attainable value* is ``(value - nobody) / (oracle - nobody)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

BINARY_PAYOFFS = ("value_per_true_positive", "cost_per_action", "value_per_false_positive", "cost_per_false_negative")
ORDER_PAYOFFS = ("cost_per_unit_under", "cost_per_unit_over", "quantile")
CUSTOMER_PAYOFFS = ("margin", "value_per_active_customer", "value_per_purchase", "cost_per_contact")
CUSTOMER_UNIT = {"spend": "margin", "active": "value_per_active_customer", "purchases": "value_per_purchase"}
CURVE_POINTS = 41


class ValueSection(BaseModel):
    """``[value]``: the decision taken on each candidate's predictions and what it pays."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: Literal["top_fraction", "threshold", "order"] | None = None
    fraction: float | None = Field(None, gt=0, le=1)
    value_per_true_positive: float | None = None
    cost_per_action: float | None = Field(None, ge=0)
    value_per_false_positive: float | None = None
    cost_per_false_negative: float | None = Field(None, ge=0)
    cost_per_unit_under: float | None = Field(None, ge=0)
    cost_per_unit_over: float | None = Field(None, ge=0)
    quantile: float | None = Field(None, gt=0, lt=1)
    margin: float | None = Field(None, gt=0, le=1)
    value_per_active_customer: float | None = None
    value_per_purchase: float | None = None
    cost_per_contact: float | None = Field(None, ge=0)
    population_per_month: float | None = Field(None, gt=0)

    def resolved_policy(self, kind: str) -> str:
        """The policy named, or the kind's default (``order``; ``top_fraction`` when a fraction is set)."""
        if self.policy:
            return self.policy
        if kind in ("regression", "count"):
            return "order"
        return "top_fraction" if self.fraction is not None or kind == "customer_base" else "threshold"

    def needs_validation(self, kind: str) -> bool:
        """True when the policy is tuned on the training data (a threshold, or a residual quantile)."""
        return self.resolved_policy(kind) == "threshold" or self.quantile is not None


def problems(section: ValueSection, kind: str, target: str) -> str | None:
    """The first mistake in ``[value]`` for a ``kind`` problem (one sentence), or None."""
    policy = section.resolved_policy(kind)
    given = {k for k, v in section.model_dump().items() if v is not None}
    own = {"binary": BINARY_PAYOFFS, "regression": ORDER_PAYOFFS, "count": ORDER_PAYOFFS,
           "customer_base": CUSTOMER_PAYOFFS}[kind]
    for name in (*BINARY_PAYOFFS, *ORDER_PAYOFFS, *CUSTOMER_PAYOFFS):
        if name in given and name not in own:
            return (f"The '{name}' field of [value] does not apply to a {kind} problem; "
                    f"use {', '.join(own)} instead.")
    allowed = {"binary": ("top_fraction", "threshold"), "regression": ("order",), "count": ("order",),
               "customer_base": ("top_fraction",)}[kind]
    if policy not in allowed:
        return (f"The 'policy' field of [value] must be {' or '.join(repr(a) for a in allowed)} for a {kind} "
                f"problem. Got {policy!r} instead.")
    if policy == "top_fraction" and section.fraction is None:
        return "[value] with policy = \"top_fraction\" needs fraction = <share acted on, e.g. 0.1>."
    if policy in ("threshold", "order") and section.fraction is not None:
        return f"The 'fraction' field of [value] does not apply to policy = {policy!r}; remove it."
    needed = {"binary": ("value_per_true_positive",), "regression": ORDER_PAYOFFS[:2], "count": ORDER_PAYOFFS[:2],
              "customer_base": (CUSTOMER_UNIT.get(target, "margin"),)}[kind]
    missing = [n for n in needed if n not in given]
    if missing:
        return f"[value] for a {kind} problem{_for(kind, target)} needs {' and '.join(missing)}."
    wrong = [CUSTOMER_UNIT[t] for t in CUSTOMER_UNIT if t != target and CUSTOMER_UNIT[t] in given]
    if kind == "customer_base" and wrong:
        return (f"The '{wrong[0]}' field of [value] does not fit target = {target!r}; "
                f"use {CUSTOMER_UNIT[target]} instead.")
    return None


def _for(kind: str, target: str) -> str:
    return f" with target = {target!r}" if kind == "customer_base" else ""


@dataclass(frozen=True)
class Payoff:
    """Per-row dollars: ``base`` when not acting, ``base + gain`` when acting (binary and customer policies)."""

    base: np.ndarray
    gain: np.ndarray


def payoff(section: ValueSection, kind: str, target: str, y: np.ndarray) -> Payoff:
    """What acting and not acting on each holdout row is worth, from its realised outcome ``y``."""
    y = np.asarray(y, dtype=float)
    if kind == "customer_base":
        unit = getattr(section, CUSTOMER_UNIT[target]) or 0.0
        return Payoff(np.zeros_like(y), unit * y - (section.cost_per_contact or 0.0))
    tp, fp = section.value_per_true_positive or 0.0, section.value_per_false_positive or 0.0
    fn, act = section.cost_per_false_negative or 0.0, section.cost_per_action or 0.0
    return Payoff(-fn * y, y * (tp + fn) + (1.0 - y) * fp - act)


def top_share(score: np.ndarray, fraction: float) -> np.ndarray:
    """Action weights acting on the top ``fraction`` of rows by score.

    Exactly ``fraction x n`` actions; rows tied at the cut-off share what is left equally, so the
    result does not depend on row order.
    """
    score = np.asarray(score, dtype=float)
    n = len(score)
    k = fraction * n
    if n == 0 or k <= 0:
        return np.zeros(n)
    order = np.sort(score)[::-1]
    cut = order[min(int(np.ceil(k)) - 1, n - 1)]
    above = score > cut
    tied = score == cut
    left = k - above.sum()
    out = above.astype(float)
    out[tied] = left / tied.sum()
    return out


def best_threshold(score: np.ndarray, pay: Payoff) -> float:
    """The threshold (act where ``score >= t``) that earns most on these rows; ``inf`` = act on nobody.

    Meant for *training* rows (inner validation): the holdout's outcomes must never reach it.
    On ties the highest threshold wins (fewer actions for the same money).
    """
    score = np.asarray(score, dtype=float)
    if len(score) == 0:
        return float("inf")
    order = np.argsort(-score, kind="stable")
    s, g = score[order], pay.gain[order]
    cum = np.cumsum(g)
    last = np.r_[s[1:] != s[:-1], True]  # a threshold can only cut between distinct scores
    earn, cuts = cum[last], s[last]
    i = int(np.argmax(earn))
    return float(cuts[i]) if earn[i] > 0 else float("inf")


def act_weights(section: ValueSection, kind: str, score: np.ndarray, threshold: float | None) -> np.ndarray:
    """Action weights of the binary / customer policy for a candidate's holdout scores."""
    if section.resolved_policy(kind) == "top_fraction":
        return top_share(score, section.fraction or 0.0)
    return (np.asarray(score, dtype=float) >= (np.inf if threshold is None else threshold)).astype(float)


def order_cost(section: ValueSection, y: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per-row dollars of ordering ``order`` against the realised ``y`` (negative: a cost)."""
    short = np.maximum(np.asarray(y, float) - order, 0.0)
    over = np.maximum(order - np.asarray(y, float), 0.0)
    return -((section.cost_per_unit_under or 0.0) * short + (section.cost_per_unit_over or 0.0) * over)


def order_quantity(section: ValueSection, pred: np.ndarray, residuals: np.ndarray | None) -> np.ndarray:
    """The amount ordered: the prediction, shifted by the ``quantile`` of training residuals if set."""
    pred = np.asarray(pred, dtype=float)
    if section.quantile is None or residuals is None or len(residuals) == 0:
        return np.maximum(pred, 0.0)
    return np.maximum(pred + float(np.quantile(residuals, section.quantile)), 0.0)


def bootstrapped(contrib: np.ndarray, chunks: Iterable[np.ndarray], scale: float) -> np.ndarray:
    """Monthly value on each bootstrap resample (rows of indices), in resample order."""
    parts = [contrib[idx].sum(axis=1) * scale for idx in chunks]
    return np.concatenate(parts) if parts else np.empty(0)


def curve(score: np.ndarray, pay: Payoff, scale: float, points: int = CURVE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Monthly value of acting on the top share ``f`` by score, for ``f`` from 0 to 1."""
    shares = np.linspace(0.0, 1.0, points)
    base = pay.base.sum()
    return shares, np.array([(base + top_share(score, f) @ pay.gain) * scale for f in shares])


def money(x: float | None) -> str:
    """Dollars rounded for reading: ``$41k``, ``-$1.2M``, ``$950``, ``$0.42``."""
    if x is None or not math.isfinite(x):
        return ""
    sign, a = ("-" if x < 0 else ""), abs(x)
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= size:
            v = a / size
            return f"{sign}${v:.3g}{unit}" if v < 100 else f"{sign}${v:,.0f}{unit}"
    return f"{sign}${a:,.0f}" if a >= 10 else f"{sign}${a:.2g}"
