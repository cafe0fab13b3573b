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

:func:`evaluate` applies the policy to every candidate's holdout predictions, projects the
holdout to a month, bootstraps on the primary metric's resamples and nets the running cost off
(:class:`ValueReport`); :func:`mark_below` flags candidates that net less than a trivial policy.

The oracle applies the same policy with perfect foresight (the same fraction, or acting exactly
where it pays; ordering the realised amount); "nobody" and "everybody" act on no row / every row.
The *share of attainable value* is ``(value - nobody) / (oracle - nobody)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from bakeoff.config.sections import CUSTOMER_UNIT, ValueSection
from bakeoff.core.money import usd_rounded
from bakeoff.core.records import Blobs, Row, Value
from bakeoff.judge.maxt import Judgement

EPS = 1e-9
CURVE_POINTS = 41


@dataclass(frozen=True)
class Payoff:
    """Per-row dollars: ``base`` when not acting, ``base + gain`` when acting (binary and customer policies)."""

    base: np.ndarray
    gain: np.ndarray


def payoff(section: ValueSection, kind: str, target: str, actual: np.ndarray) -> Payoff:
    """What acting and not acting on each holdout row is worth, from its realised outcome ``y``."""
    actual = np.asarray(actual, dtype=float)
    if kind == "customer_base":
        unit = getattr(section, CUSTOMER_UNIT[target]) or 0.0
        return Payoff(np.zeros_like(actual), unit * actual - (section.cost_per_contact or 0.0))
    tp, fp = section.value_per_true_positive or 0.0, section.value_per_false_positive or 0.0
    fn, act = section.cost_per_false_negative or 0.0, section.cost_per_action or 0.0
    return Payoff(-fn * actual, actual * (tp + fn) + (1.0 - actual) * fp - act)


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


def order_cost(section: ValueSection, actual: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per-row dollars of ordering ``order`` against the realised ``y`` (negative: a cost)."""
    short = np.maximum(np.asarray(actual, float) - order, 0.0)
    over = np.maximum(order - np.asarray(actual, float), 0.0)
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
        every = f", acting on everybody {usd_rounded(self.everybody)}" if self.everybody is not None else ""
        what = {"top_fraction": f"act on the top {(self.section.fraction or 0):.0%}",
                "threshold": "act where the score reaches a threshold chosen on the training rows",
                "order": "order the forecast (cost of shortfalls and leftovers)"}[self.policy]
        return (f"Value policy: {what}, {self.population:,.0f} decisions a month (holdout x "
                f"{self.scale:,.4g}). Perfect foresight earns {usd_rounded(self.oracle)} a month, acting on nobody "
                f"{usd_rounded(self.nobody)}{every}; net value = value - running cost.")

    @property
    def scale(self) -> float:
        """Holdout rows to a month's population."""
        return self.population / max(self.n, 1)

    def value_of(self, name: str) -> Value:
        """Candidate ``name``'s row value (the ``value`` field of its verdict)."""
        return Value(**self.candidates[name].fields())

    def baselines(self) -> dict[str, float | None]:
        """Oracle, act-on-nobody and act-on-everybody value a month (``results.json``)."""
        return {"policy": self.policy, "population_per_month": self.population, "oracle_usd_month": self.oracle,
                "nobody_usd_month": self.nobody, "everybody_usd_month": self.everybody}


@dataclass(frozen=True)
class Decision:
    """The decision a ``[value]`` policy takes: the section, the problem it acts on, and decisions a month."""

    section: ValueSection
    kind: str  # problem kind: binary, regression, count, customer_base
    target: str  # the customer_base target (purchases, active, spend); other kinds: any
    population: float  # decisions a month

    @property
    def policy(self) -> str:
        """The policy named in ``[value]``, or the kind's default."""
        return self.section.resolved_policy(self.kind)

    def payoff(self, actual: np.ndarray) -> Payoff:
        """Per-row dollars of acting or not on the realised outcomes ``actual``."""
        return payoff(self.section, self.kind, self.target, actual)


@dataclass(frozen=True)
class Resamples:
    """The primary metric's bootstrap resamples (``chunks()`` yields rows of indices, the same each call)."""

    chunks: Callable[[], Iterable[np.ndarray]]
    confidence: float


def evaluate(decision: Decision, actual: np.ndarray, predictions: dict[str, np.ndarray], running: dict[str, float],
             validation: dict[str, dict[str, list[float]]], resamples: Resamples) -> ValueReport:
    """Price every candidate's decisions on the holdout.

    Args:
        decision: The ``[value]`` policy and the problem it acts on.
        actual: Realised holdout outcomes.
        predictions: Holdout predictions per candidate.
        running: Running cost a month per candidate.
        validation: Inner-validation ``{"y": ..., "p": ...}`` on training rows per candidate (threshold and
            quantile policies); holdout outcomes are never used to tune the policy.
        resamples: The primary metric's bootstrap resamples and the interval level.
    """
    policy = decision.policy
    actual = np.asarray(actual, dtype=float)
    rep = _baselines(decision, actual)
    alpha = (1 - resamples.confidence) / 2
    for name, pred in predictions.items():
        contrib, acted, thr = _contributions(decision, actual, pred, validation.get(name) or {})
        reps = bootstrapped(contrib, resamples.chunks(), rep.scale)
        value = float(contrib.sum() * rep.scale)
        lo, hi = (float(np.quantile(reps, alpha)), float(np.quantile(reps, 1 - alpha))) if len(reps) \
            else (math.nan, math.nan)
        gap = rep.oracle - rep.nobody
        share = (value - rep.nobody) / gap if gap > 0 else math.nan
        rep.candidates[name] = CandidateValue(value, lo, hi, running.get(name, 0.0), share, acted, thr, reps)
        if policy != "order":
            shares, vals = curve(pred, decision.payoff(actual), rep.scale)
            rep.curves[name] = (shares, vals - running.get(name, 0.0))
    if policy != "order":
        pay = decision.payoff(actual)
        rep.oracle_curve = curve(pay.gain, pay, rep.scale)
    rep.trivial = trivial_policies(decision, actual, resamples.chunks, rep.scale)
    return rep


def trivial_policies(decision: Decision, actual: np.ndarray, chunks: Callable[[], Iterable[np.ndarray]],
                     scale: float) -> dict[str, tuple[float, np.ndarray]]:
    """What doing nothing clever earns a month, on the same resamples as the candidates (paired with them).

    Binary and customer policies: acting on everybody and acting on nobody; ``order``: ordering nothing.
    """
    if decision.policy == "order":
        contribs = {"ordering nothing": order_cost(decision.section, actual, np.zeros_like(actual))}
    else:
        pay = decision.payoff(actual)
        contribs = {"acting on everybody": pay.base + pay.gain, "acting on nobody": pay.base}
    return {name: (float(c.sum() * scale), bootstrapped(c, chunks(), scale)) for name, c in contribs.items()}


def _baselines(decision: Decision, actual: np.ndarray) -> ValueReport:
    section, policy, population = decision.section, decision.policy, decision.population
    scale = population / max(len(actual), 1)
    if policy == "order":
        nobody = float(order_cost(section, actual, np.zeros_like(actual)).sum() * scale)
        return ValueReport(section, policy, population, len(actual), 0.0, nobody, None)
    pay = decision.payoff(actual)
    base = float(pay.base.sum())
    if policy == "top_fraction":
        best = top_share(pay.gain, section.fraction or 0.0) @ pay.gain
    else:
        best = np.clip(pay.gain, 0.0, None).sum()
    return ValueReport(section, policy, population, len(actual), float((base + best) * scale), base * scale,
                       float((base + pay.gain.sum()) * scale))


def _contributions(decision: Decision, actual: np.ndarray, pred: np.ndarray,
                   val: dict[str, list[float]]) -> tuple[np.ndarray, float, float | None]:
    """Per-row dollars on the holdout, the share of rows acted on and the threshold used (if any)."""
    pred = np.asarray(pred, dtype=float)
    if decision.policy == "order":
        resid = np.asarray(val.get("y", []), float) - np.asarray(val.get("p", []), float) if val else None
        qty = order_quantity(decision.section, pred, resid)
        return order_cost(decision.section, actual, qty), 1.0, None
    pay = decision.payoff(actual)
    thr = threshold_from(decision, val) if decision.policy == "threshold" else None
    act = act_weights(decision.section, decision.kind, pred, thr)
    return pay.base + act * pay.gain, float(act.mean()) if len(act) else 0.0, thr


def threshold_from(decision: Decision, val: dict[str, list[float]]) -> float:
    """The value-maximising threshold on the inner-validation rows (training data only).

    Without them (the candidate could not be refitted on a part of its training rows) the
    threshold a calibrated probability would use is taken: act where the expected gain of acting,
    ``p x (value_tp + cost_fn) + (1 - p) x value_fp - cost_action``, is positive.
    """
    if val.get("y"):
        return best_threshold(np.asarray(val["p"], dtype=float), decision.payoff(np.asarray(val["y"], dtype=float)))
    section = decision.section
    tp, fp = section.value_per_true_positive or 0.0, section.value_per_false_positive or 0.0
    fn, act = section.cost_per_false_negative or 0.0, section.cost_per_action or 0.0
    denom = tp + fn - fp
    return (act - fp) / denom if denom > 0 else math.inf


def evaluate_rows(decision: Decision, rows: list[Row], actual: np.ndarray, blobs: dict[str, Blobs],
                  resamples: Resamples) -> ValueReport:
    """Evaluate ``[value]`` for the OK rows with predictions in ``blobs`` (each one's :class:`Value`:
    :meth:`ValueReport.value_of`)."""
    ok = [r for r in rows if r.ok and r.name in blobs and blobs[r.name].predictions is not None
          and r.cost is not None]
    running = {r.name: r.cost.monthly_usd for r in ok if r.cost is not None}
    validation = {r.name: blobs[r.name].validation or {} for r in ok}
    predictions = {r.name: blobs[r.name].predictions for r in ok}
    return evaluate(decision, actual, predictions, running, validation, resamples)


Judge = Callable[[tuple[str, ...], np.ndarray, np.ndarray | None, float], Judgement]


def net_judge(names: tuple[str, ...], point: np.ndarray, reps: np.ndarray | None, confidence: float) -> Judgement:
    """The table's simultaneous judgement (:mod:`bakeoff.judge.maxt`) on net-value replicates (higher is better)."""
    return Judgement.from_replicates(names, point, reps, higher_is_better=True, confidence=confidence)


def mark_below(report: ValueReport, ok: list[Row], point: np.ndarray, reps: np.ndarray | None, judge: Judge,
               confidence: float) -> dict[str, str | None]:
    """Which trivial policy nets more than each candidate (``Value.below``; None: none does), by name.

    The trivial policies join the candidates in one simultaneous judgement (their replicates are
    paired with the candidates'); a candidate is marked with the policy shown to net more, else with
    the best trivial policy it trails on the point estimate (``"<policy> (point)"``).
    """
    if not report.trivial:
        return {}
    t_names = tuple(report.trivial)
    t_point = np.array([report.trivial[n][0] for n in t_names])
    every = (np.column_stack([reps, *(report.trivial[n][1] for n in t_names)])
             if reps is not None and all(len(report.trivial[n][1]) == len(reps) for n in t_names) else None)
    j = judge(tuple(r.name for r in ok) + t_names, np.r_[point, t_point], every, confidence)
    top = int(np.argmax(t_point))
    marks: dict[str, str | None] = {}
    for i, row in enumerate(ok):
        shown = [t for t in range(len(t_names)) if every is not None and j.shown_better(len(ok) + t, i)]
        marks[row.name] = (t_names[max(shown, key=lambda t: t_point[t])] if shown
                           else f"{t_names[top]} (point)" if point[i] < t_point[top] - EPS else None)
    return marks
