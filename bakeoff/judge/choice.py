"""The ``[choose]`` rule: which candidate to deploy, with the burden of proof on cost and complexity.

``cheapest_within`` (default) picks the cheapest candidate on the Pareto front whose shortfall
from the best is **not shown** to exceed the tolerance: a cheaper model stays in the running
until the evidence (the simultaneous lower bound of its shortfall, :mod:`bakeoff.judge.maxt`) says it
is worse by more than the tolerance. That benefit of the doubt protects a candidate only against
candidates that cost more than it by a real margin (:class:`~bakeoff.judge.front.Margins`): against
one whose cost ties with it, nothing is saved by keeping the weaker estimate, so the better point
estimate wins unless its lead is within the tolerance (:func:`_led`). Among the candidates left,
a cost tie goes to the lower rung, then to the better point estimate. ``simplest_within`` does
the same with the lowest rung first. ``evidence = "shown_within"`` is stricter: the shortfall
must be *shown* within the tolerance (its simultaneous upper bound below it). ``best`` takes the
best point estimate.

``max_net_value`` (with ``[value]``) holds net value (value - running cost, a month) to the same evidence
standard as the rest of the table: the net-value replicates are paired on the primary metric's resamples and
compared with the same simultaneous machinery; the chosen candidate is the cheapest to run whose shortfall in
net value from the best is **not shown** to exceed the tolerance (in dollars), among the candidates on the
Pareto front of net value and running cost. As above, that benefit of the doubt holds only against candidates
that cost more to run by a real margin: a candidate that costs about as much and nets more by over the
tolerance wins. Running costs compare with the table's noise margin (:class:`~bakeoff.judge.front.Margins`); a
tie goes to the lower rung, then to the higher net value. The judgement itself nets off only running costs of
at least one margin (:meth:`~bakeoff.judge.front.Margins.material`): two candidates that take the same
decisions would otherwise differ in net value by the timing noise of sub-margin running costs alone, with
every resample agreeing, and that noise would be "shown". (A cost that sits right at the margin can still fall
either side of it between runs.) Under this rule the table's Pareto flags are drawn on net value too, so the
chosen and the best candidate are always on the front the business reads.

Tolerances default per metric (absolute for bounded scores such as AUC and R², relative to
the best value for losses such as RMSE or deviance); ``[choose] tolerance`` and ``relative``
override them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from bakeoff.config.experiment import ChooseSection
from bakeoff.core.money import cost_comparison, usd_cents, usd_rounded
from bakeoff.core.records import Row, keep_words
from bakeoff.judge.front import (
    DEFAULT_MARGINS,
    NET_SHOWN,
    JudgedValues,
    Margins,
    ci_label,
    dominance,
    front_flags,
    judged,
)
from bakeoff.judge.maxt import Judgement
from bakeoff.judge.scoring import Scores
from bakeoff.judge.value import EPS as VALUE_EPS
from bakeoff.judge.value import Judge, ValueReport, mark_below, net_judge

# metric -> (default tolerance, relative to the best value?)
TOLERANCES: dict[str, tuple[float, bool]] = {
    "roc_auc": (0.01, False), "pr_auc": (0.01, False), "r2": (0.01, False), "gini": (0.01, False),
    "ece": (0.01, False), "lift_top_decile": (0.05, True), "log_loss": (0.02, True), "brier": (0.02, True),
    "rmse": (0.02, True), "mae": (0.02, True), "poisson_deviance": (0.02, True),
}
EPS = 1e-12
DEFAULT_TOLERANCE = 0.01  # of the best net value, when [choose] sets none (max_net_value)


@dataclass(frozen=True)
class Choice:
    """What every rule returns: the chosen candidate (None: nothing is), the plain sentence saying why, and
    for the net-value rule the leaders (the set of the best in net value) and the judged fields it sets
    (``Value.below``; under ``max_net_value`` the Pareto flags, drawn on net value), by candidate name."""

    name: str | None
    reason: str
    leaders: tuple[str, ...] = ()
    judged: JudgedValues = field(default_factory=dict)


def tolerance_for(metric: str, rule: ChooseSection) -> tuple[float, bool]:
    """The tolerance and whether it is relative: ``[choose]`` values, else the metric's default."""
    value, relative = TOLERANCES.get(metric, (0.02, True))
    return (value if rule.tolerance is None else rule.tolerance,
            relative if rule.relative is None else rule.relative)


@dataclass(frozen=True)
class _Ctx:
    ok: list[Row]
    j: Judgement
    allowed: list[int]
    front: list[int]
    best: int
    tol: float
    tol_abs: float
    relative: bool
    m: Margins


def choose(rows: list[Row], scores: Scores, rule: ChooseSection, margins: Margins = DEFAULT_MARGINS) -> Choice:
    """Apply the ``[choose]`` rule and say why in plain words (costs compared with ``margins``)."""
    ok, j = judged(rows, scores)
    allowed = [i for i, r in enumerate(ok) if _within_limits(r, rule)]
    if not allowed:
        return Choice(None, "No candidate finished within the limits of [choose]; nothing was chosen.")
    front = [i for i in allowed if not any(a != i and dominance(ok, j, a, i, margins) for a in allowed)]
    front = front or allowed
    top = max(j.util[i] for i in allowed)
    best = next((i for i in front if j.util[i] == top), next(i for i in allowed if j.util[i] == top))
    tol, relative = tolerance_for(scores.primary.name, rule)
    c = _Ctx(ok, j, allowed, front, best, tol, tol * abs(j.point[best]) if relative else tol, relative, margins)
    if rule.rule == "best":
        return Choice(ok[best].name, _keep(c, best) + _best_reason(c, scores) + _leaders(c, best, scores))
    bound = 1 if rule.evidence == "not_shown_worse" else 2
    eligible = [i for i in front if j.shortfall(i, allowed)[bound] <= c.tol_abs + EPS and not _led(c, i)]
    if not eligible:
        return Choice(ok[best].name, _keep(c, best) + _none_shown(c, scores) + _leaders(c, best, scores))
    if rule.rule == "simplest_within":
        low = min(ok[i].rung for i in eligible)
        pick = _cheapest(c, [i for i in eligible if ok[i].rung == low])
    else:
        pick = _cheapest(c, eligible)
    text = _pick_reason(c, pick, rule, scores) if pick != best else _best_kept(c, rule, bound, scores)
    return Choice(ok[pick].name, _keep(c, pick) + text + _passed_over(c, pick, scores) + _leaders(c, pick, scores))


def _keep(ctx: _Ctx, pick: int) -> str:
    """When the champion is chosen, say so first in the business's words: keep the model already running."""
    return keep_words(ctx.ok[pick], [ctx.ok[q].label for q in ctx.allowed if q != pick and ctx.j.shown_better(q, pick)])


def _led(ctx: _Ctx, index: int) -> list[int]:
    """The candidates that cost about as much as ``i`` or less and lead it by more than the tolerance on the point.

    The benefit of the doubt ("not shown to exceed the tolerance") protects a candidate only against
    candidates that cost more than it by a real margin: against one that costs about as much, nothing is
    saved by keeping the weaker estimate, so the better point estimate wins unless its lead is within the
    tolerance.
    """
    return [q for q in ctx.allowed if q != index and not ctx.m.cheaper(ctx.ok[index], ctx.ok[q])
            and ctx.j.util[q] - ctx.j.util[index] > ctx.tol_abs + EPS]


def _cheapest(ctx: _Ctx, pool: list[int]) -> int:
    """Not beaten on $/month beyond the noise margin; among those tied on cost, the lowest rung, then the best
    point estimate (the burden of proof is on complexity too).

    ($/month already bills the fitting; fit seconds are not counted twice.)
    """
    return min(ctx.m.not_beaten(ctx.ok, pool), key=lambda i: (ctx.ok[i].rung, -ctx.j.util[i], i))


def _tol_text(ctx: _Ctx) -> str:
    return f"{ctx.tol:.3g}" if not ctx.relative else f"{ctx.tol:.0%} of the best, {ctx.tol_abs:.3g}"


def _val(ctx: _Ctx, index: int) -> str:
    return f"{ctx.j.point[index]:.4g}"


def _best_reason(ctx: _Ctx, scores: Scores) -> str:
    return f"Chose {ctx.ok[ctx.best].label}: the best {scores.primary.label} ({_val(ctx, ctx.best)})."


def _none_shown(ctx: _Ctx, scores: Scores) -> str:
    return (f"Chose {ctx.ok[ctx.best].label}, the best {scores.primary.label} ({_val(ctx, ctx.best)}): no candidate's "
            f"shortfall from the best is shown to be within the tolerance ({_tol_text(ctx)}) at "
            f"{ci_label(ctx.j.confidence)} confidence, so the burden of proof was not met by a cheaper one.")


def _best_kept(ctx: _Ctx, rule: ChooseSection, bound: int, scores: Scores) -> str:
    """The best was kept: name the cheaper (simpler) front candidate that came closest, and its evidence."""
    b, m = ctx.best, scores.primary
    if rule.rule == "simplest_within":
        rivals, what = [i for i in ctx.front if ctx.ok[i].rung < ctx.ok[b].rung], "simpler"
    else:
        rivals = [i for i in ctx.front if ctx.m.cheaper(ctx.ok[i], ctx.ok[b])]
        what = "cheaper"
    head = f"Chose {ctx.ok[b].label}: it has the best {m.label} ({_val(ctx, b)})"
    if not rivals:
        return head + f" and no {what} candidate is on the Pareto front."
    near = min(rivals, key=lambda i: ctx.j.shortfall(i, ctx.allowed)[bound])
    gap, lo, hi = ctx.j.shortfall(near, ctx.allowed)
    how = "shown to exceed" if bound == 1 else "not shown to be within"
    claim = ("fall short by more than the tolerance" if bound == 1
             else "are not shown to be within the tolerance")
    return (head + f"; the {what} candidates {claim} ({_tol_text(ctx)}): the closest, "
            f"{ctx.ok[near].label} ({m.label} {_val(ctx, near)}), is {gap:.3g} short, {ci_label(ctx.j.confidence)} "
            f"simultaneous interval {lo:.3g} to {hi:.3g}, {how} the tolerance.")


def _pick_reason(ctx: _Ctx, pick: int, rule: ChooseSection, scores: Scores) -> str:
    if not ctx.m.cheaper(ctx.ok[pick], ctx.ok[ctx.best]) and not ctx.m.cheaper(ctx.ok[ctx.best], ctx.ok[pick]):
        return _tied_reason(ctx, pick, rule, scores)
    b, m = ctx.best, scores.primary
    gap, lo, hi = ctx.j.shortfall(pick, ctx.allowed)
    how = "cheapest" if rule.rule == "cheapest_within" else "simplest (lowest-rung)"
    test = "is not shown to exceed" if rule.evidence == "not_shown_worse" else "is shown to be within"
    usd_p = ctx.ok[pick].monthly_usd
    usd_b = ctx.ok[b].monthly_usd
    cost = ""
    if usd_p is not None and usd_b is not None:
        apart = ctx.m.cheaper(ctx.ok[pick], ctx.ok[b]) or ctx.m.cheaper(ctx.ok[b], ctx.ok[pick])
        cost = f" It {cost_comparison(usd_p, usd_b, ctx.ok[b].label)}" + (
            "." if apart else f", a tie within the cost noise margin (under 2× or ${ctx.m.usd:g} a month apart).")
    return (f"Chose {ctx.ok[pick].label}: the {how} candidate whose shortfall from the best {test} the "
            f"tolerance. Its {m.label} is {_val(ctx, pick)} against {_val(ctx, b)} for {ctx.ok[b].label}: a gap of "
            f"{gap:.3g}, {ci_label(ctx.j.confidence)} simultaneous interval of the shortfall {lo:.3g} to {hi:.3g}, "
            f"tolerance {_tol_text(ctx)}.{cost}")


def _tied_reason(ctx: _Ctx, pick: int, rule: ChooseSection, scores: Scores) -> str:
    """The pick costs about as much as the best: it is kept because the best's lead is within the tolerance."""
    b, m = ctx.best, scores.primary
    gap = ctx.j.util[b] - ctx.j.util[pick]
    what = "lower-rung" if ctx.ok[pick].rung < ctx.ok[b].rung else ("cheaper" if rule.rule == "cheapest_within"
                                                               else "simpler")
    return (f"Chose {ctx.ok[pick].label}: it costs about as much as the best, {ctx.ok[b].label} "
            f"({_costs(ctx, pick, b)}), and trails its {m.label} ({_val(ctx, pick)} against {_val(ctx, b)}) by "
            f"{_gap(gap, ctx)}, within the tolerance "
            f"({_tol_text(ctx)}); with a lead that small, the {what} candidate is kept.")


def _gap(gap: float, ctx: _Ctx) -> str:
    """A point-estimate gap with the digits that tell it from the tolerance (0.01004 is not 0.01)."""
    for digits in (3, 4, 5, 6):
        text = f"{gap:.{digits}g}"
        if float(text) != float(f"{ctx.tol_abs:.{digits}g}") or digits == 6:
            return text
    return f"{gap:.6g}"


def _costs(ctx: _Ctx, first: int, second: int) -> str:
    usd_a, usd_b = ctx.ok[first].monthly_usd, ctx.ok[second].monthly_usd
    if usd_a is None or usd_b is None:
        return "costs not measured"
    return f"{usd_cents(usd_a)} against {usd_cents(usd_b)} a month, a tie within the cost noise margin"


def _passed_over(ctx: _Ctx, chosen: int, scores: Scores) -> str:
    """Name the lower-rung candidates that cost about as much as the chosen one and trail it beyond the tolerance."""
    near = [i for i in ctx.front if ctx.ok[i].rung < ctx.ok[chosen].rung and chosen in _led(ctx, i)
            and not ctx.m.cheaper(ctx.ok[chosen], ctx.ok[i])]
    if not near:
        return ""
    i = max(near, key=lambda k: (ctx.j.util[k], -k))
    gap = ctx.j.util[chosen] - ctx.j.util[i]
    return (f" {ctx.ok[i].label} costs about as much ({_costs(ctx, i, chosen)}) and trails by {_gap(gap, ctx)} on the "
            f"{scores.primary.label}, more than the tolerance: with nothing to save, the better estimate wins.")


def _leaders(ctx: _Ctx, pick: int, scores: Scores) -> str:
    """When the holdout cannot separate the leaders, say so with the smallest difference it could detect."""
    j = ctx.j
    lead = [i for i in ctx.allowed if not any(j.shown_better(a, i) for a in ctx.allowed)]
    if len(lead) < 2 or j.points_only:
        return ""
    other = pick if pick != ctx.best and pick in lead else max((i for i in lead if i != ctx.best),
                                                             key=lambda i: (j.util[i], -i))
    mde = j.detectable(ctx.best, other)
    names = ", ".join(ctx.ok[i].label for i in lead[:6]) + (", …" if len(lead) > 6 else "")
    rows = f"The {scores.n:,}-row holdout" if scores.n else "The holdout"
    return (f" {rows} cannot separate the "
            f"{len(lead)} leaders (the set of the best: {names}); the smallest {scores.primary.label} difference "
            f"it would detect between {ctx.ok[ctx.best].label} and {ctx.ok[other].label} is about {mde:.3g} "
            f"(80% power).")


def _within_limits(row: Row, rule: ChooseSection) -> bool:
    usd = row.monthly_usd
    if rule.max_monthly_usd is not None and (usd is None or usd > rule.max_monthly_usd):
        return False
    limit = rule.max_predict_ms_per_1k
    return limit is None or (row.predict_ms_per_1k is not None and row.predict_ms_per_1k <= limit)


@dataclass(frozen=True)
class _Net:
    """The net-value judgement a choice is explained with: candidates, their values, the best and the tolerance."""

    ok: list[Row]
    vals: list[Any]
    judgement: Judgement
    best: int
    tol_abs: float
    confidence: float


def choose_net_value(report: ValueReport, rows: list[Row], rule: ChooseSection, *, confidence: float,
                     margins: Margins = DEFAULT_MARGINS, judge: Judge = net_judge) -> Choice:
    """The cheapest candidate on the net-value front whose shortfall from the best is not shown to exceed the
    tolerance; under ``rule = "max_net_value"`` the rows' Pareto flags are set on net value and running cost."""
    ok = [r for r in rows if r.name in report.candidates]
    if not ok:
        return Choice(None, "No candidate finished; nothing was chosen.", ())
    names = tuple(r.name for r in ok)
    vals = [report.candidates[n] for n in names]
    cost = np.array([margins.material(v.running) for v in vals])
    point = np.array([v.value for v in vals]) - cost
    reps = (np.column_stack([v.replicates for v in vals]) - cost[None, :]
            if all(len(v.replicates) for v in vals) else None)
    j = judge(names, point, reps, confidence)
    best = int(np.argmax(point))
    tol = DEFAULT_TOLERANCE if rule.tolerance is None else rule.tolerance
    net = _Net(ok, vals, j, best, tol * abs(point[best]) if rule.relative in (None, True) else tol, confidence)
    front = [i for i in range(len(ok))
             if not any(a != i and dominance(ok, j, a, i, margins, NET_SHOWN) for a in range(len(ok)))]
    led = {i: [q for q in range(len(ok)) if q != i and not margins.cheaper(ok[i], ok[q])
               and point[q] - point[i] > net.tol_abs + VALUE_EPS] for i in range(len(ok))}
    marks = mark_below(report, ok, point, reps, judge, confidence)
    judged: JudgedValues = {r.name: {"value": replace(r.value, below=marks[r.name])} for r in ok
                      if r.value is not None and r.name in marks}
    eligible = _above_floor(report, point, best, [i for i in front if j.shortfall(i)[1] <= net.tol_abs + VALUE_EPS
                                                  and not led[i]] or [best])
    if rule.rule == "max_net_value":
        for name, flags in front_flags(ok, j, margins, NET_SHOWN).items():
            judged.setdefault(name, {}).update(flags)
    leaders = tuple(names[i] for i in range(len(ok)) if not any(j.shown_better(a, i) for a in range(len(ok))))
    if not eligible:
        return Choice(None, _nothing_beats(report, ok, vals, best), leaders, judged)
    pick = min(margins.not_beaten(ok, eligible), key=lambda i: (ok[i].rung, -point[i], i))
    tied = not margins.cheaper(ok[pick], ok[best]) and not margins.cheaper(ok[best], ok[pick])
    reason = _net_keep(ok, pick, j) + _net_reason(net, pick, tied=tied)
    passed = [i for i in front if ok[i].rung < ok[pick].rung and pick in led[i]]
    if passed:
        i = max(passed, key=lambda k: (point[k], -k))
        reason += (f" {ok[i].label} costs about as much to run and nets {usd_rounded(point[pick] - point[i])} a "
                   "month less, more than the tolerance: with nothing to save, the better estimate wins.")
    return Choice(names[pick], reason, leaders, judged)


def _above_floor(report: ValueReport, point: np.ndarray, best: int, pool: list[int]) -> list[int]:
    """The candidates of ``pool`` that net at least as much as the best trivial policy (else the best, if it does)."""
    floor = max((v for v, _ in report.trivial.values()), default=-math.inf)
    return [i for i in pool if point[i] >= floor - VALUE_EPS] or ([best] if point[best] >= floor - VALUE_EPS else [])


def _net_keep(ok: list[Row], pick: int, judgement: Judgement) -> str:
    """When the champion is chosen, say so first: keep the model already running."""
    better = [ok[q].label for q in range(len(ok)) if q != pick and judgement.shown_better(q, pick)]
    return keep_words(ok[pick], better, NET_SHOWN)


def keep_above_trivial(report: ValueReport, rows: list[Row], chosen: str | None, reason: str,
                       rechoose: Callable[[list[Row]], Any]) -> tuple[str | None, str]:
    """A choice made on accuracy, moved off a candidate that nets less than doing nothing clever.

    When the chosen candidate's net value is below the best trivial policy's (point estimates), the
    rule is applied again to the candidates that are not (``rechoose`` returns a
    :class:`~bakeoff.judge.choice.Choice`); when none is left, nothing is chosen.
    """
    if not report.trivial:
        return chosen, reason
    policy, (floor, _) = max(report.trivial.items(), key=lambda kv: kv[1][0])
    row = next((r for r in rows if r.name == chosen), None)
    if row is None or row.value is None or row.value.net_usd_month >= floor - VALUE_EPS:
        return chosen, reason
    head = (f"{row.label} nets {usd_rounded(row.value.net_usd_month)} a month under [value], less than {policy} "
            f"({usd_rounded(floor)}), so it is not chosen. ")
    keep = [r for r in rows if r.ok and r.value is not None and r.value.net_usd_month >= floor - VALUE_EPS]
    if not keep:
        return None, head + f"No candidate nets more: doing nothing clever is the verdict, keep {policy}."
    again = rechoose(keep)
    return again.name, head + again.reason


def _nothing_beats(report: ValueReport, ok: list[Row], vals: list[Any], best: int) -> str:
    name, (value, _) = max(report.trivial.items(), key=lambda kv: kv[1][0])
    return (f"No candidate nets more a month than {name} ({usd_rounded(value)}): the best, {ok[best].label}, nets "
            f"{usd_rounded(vals[best].net)} after running cost. Doing nothing clever is the verdict: keep {name}.")


def _net_reason(net: _Net, pick: int, *, tied: bool = False) -> str:
    ok, b, p, judgement = net.ok, net.vals[net.best], net.vals[pick], net.judgement
    head = (f"Chose {ok[pick].label}: it nets {usd_rounded(p.net)} a month ({net.confidence:.0%} interval "
            f"{usd_rounded(p.low - p.running)} to {usd_rounded(p.high - p.running)}) after "
            f"{usd_cents(p.running)} of running cost")
    if pick == net.best:
        return head + ", the most of any candidate, and no cheaper one on the front is within the tolerance of it."
    gap, lo, hi = judgement.shortfall(pick)
    if tied:
        lead = judgement.point[net.best] - judgement.point[pick]
        return (head + f"; it costs about as much to run as the best, {ok[net.best].label} ({usd_rounded(b.net)}), "
                f"whose lead of {usd_rounded(lead)} is within the tolerance of {usd_rounded(net.tol_abs)}, so the "
                "simpler candidate is kept.")
    return (head + "; it is the cheapest candidate on the front whose shortfall from the best net value "
            f"({ok[net.best].label}, {usd_rounded(b.net)}) is not shown to exceed the tolerance of "
            f"{usd_rounded(net.tol_abs)}: a gap of {usd_rounded(gap)}, {net.confidence:.0%} interval of the "
            f"shortfall {usd_rounded(lo)} to {usd_rounded(hi)}.")
