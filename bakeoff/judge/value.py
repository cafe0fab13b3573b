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

import numpy as np

from bakeoff.config.sections import CUSTOMER_UNIT, ValueSection

CURVE_POINTS = 41


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
