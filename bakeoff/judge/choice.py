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

Tolerances default per metric (absolute for bounded scores such as AUC and R², relative to
the best value for losses such as RMSE or deviance); ``[choose] tolerance`` and ``relative``
override them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bakeoff.config.experiment import ChooseSection
from bakeoff.core.money import usd
from bakeoff.core.records import Row, keep_words
from bakeoff.judge.front import DEFAULT_MARGINS, Margins, ci_label, cost_ratio, dominance, judged, usd_of
from bakeoff.judge.maxt import Judgement
from bakeoff.judge.scoring import Scores

# metric -> (default tolerance, relative to the best value?)
TOLERANCES: dict[str, tuple[float, bool]] = {
    "roc_auc": (0.01, False), "pr_auc": (0.01, False), "r2": (0.01, False), "gini": (0.01, False),
    "ece": (0.01, False), "lift_top_decile": (0.05, True), "log_loss": (0.02, True), "brier": (0.02, True),
    "rmse": (0.02, True), "mae": (0.02, True), "poisson_deviance": (0.02, True),
}
EPS = 1e-12


@dataclass(frozen=True)
class Choice:
    """The chosen candidate and the plain sentence saying why."""

    name: str | None
    reason: str


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
    front = [i for i in allowed if not any(a != i and dominance(ok[a], ok[i], j, a, i, margins) for a in allowed)]
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


def _keep(c: _Ctx, pick: int) -> str:
    """When the champion is chosen, say so first in the business's words: keep the model already running."""
    return keep_words(c.ok[pick], [c.ok[q].label for q in c.allowed if q != pick and c.j.shown_better(q, pick)])


def _led(c: _Ctx, i: int) -> list[int]:
    """The candidates that cost about as much as ``i`` or less and lead it by more than the tolerance on the point.

    The benefit of the doubt ("not shown to exceed the tolerance") protects a candidate only against
    candidates that cost more than it by a real margin: against one that costs about as much, nothing is
    saved by keeping the weaker estimate, so the better point estimate wins unless its lead is within the
    tolerance.
    """
    return [q for q in c.allowed if q != i and not c.m.cheaper(c.ok[i], c.ok[q])
            and c.j.util[q] - c.j.util[i] > c.tol_abs + EPS]


def _cheapest(c: _Ctx, pool: list[int]) -> int:
    """Not beaten on $/month beyond the noise margin; among those tied on cost, the lowest rung, then the best
    point estimate (the burden of proof is on complexity too).

    ($/month already bills the fitting; fit seconds are not counted twice.)
    """
    return min(c.m.not_beaten(c.ok, pool), key=lambda i: (c.ok[i].rung, -c.j.util[i], i))


def _tol_text(c: _Ctx) -> str:
    return f"{c.tol:.3g}" if not c.relative else f"{c.tol:.0%} of the best, {c.tol_abs:.3g}"


def _val(c: _Ctx, i: int) -> str:
    return f"{c.j.point[i]:.4g}"


def _best_reason(c: _Ctx, scores: Scores) -> str:
    return f"Chose {c.ok[c.best].label}: the best {scores.primary.label} ({_val(c, c.best)})."


def _none_shown(c: _Ctx, scores: Scores) -> str:
    return (f"Chose {c.ok[c.best].label}, the best {scores.primary.label} ({_val(c, c.best)}): no candidate's "
            f"shortfall from the best is shown to be within the tolerance ({_tol_text(c)}) at "
            f"{ci_label(c.j.confidence)} confidence, so the burden of proof was not met by a cheaper one.")


def _best_kept(c: _Ctx, rule: ChooseSection, bound: int, scores: Scores) -> str:
    """The best was kept: name the cheaper (simpler) front candidate that came closest, and its evidence."""
    b, m = c.best, scores.primary
    if rule.rule == "simplest_within":
        rivals, what = [i for i in c.front if c.ok[i].rung < c.ok[b].rung], "simpler"
    else:
        rivals = [i for i in c.front if c.m.cheaper(c.ok[i], c.ok[b])]
        what = "cheaper"
    head = f"Chose {c.ok[b].label}: it has the best {m.label} ({_val(c, b)})"
    if not rivals:
        return head + f" and no {what} candidate is on the Pareto front."
    near = min(rivals, key=lambda i: c.j.shortfall(i, c.allowed)[bound])
    gap, lo, hi = c.j.shortfall(near, c.allowed)
    how = "shown to exceed" if bound == 1 else "not shown to be within"
    claim = ("fall short by more than the tolerance" if bound == 1
             else "are not shown to be within the tolerance")
    return (head + f"; the {what} candidates {claim} ({_tol_text(c)}): the closest, "
            f"{c.ok[near].label} ({m.label} {_val(c, near)}), is {gap:.3g} short, {ci_label(c.j.confidence)} "
            f"simultaneous interval {lo:.3g} to {hi:.3g}, {how} the tolerance.")


def _pick_reason(c: _Ctx, pick: int, rule: ChooseSection, scores: Scores) -> str:
    if not c.m.cheaper(c.ok[pick], c.ok[c.best]) and not c.m.cheaper(c.ok[c.best], c.ok[pick]):
        return _tied_reason(c, pick, rule, scores)
    b, m = c.best, scores.primary
    gap, lo, hi = c.j.shortfall(pick, c.allowed)
    how = "cheapest" if rule.rule == "cheapest_within" else "simplest (lowest-rung)"
    test = "is not shown to exceed" if rule.evidence == "not_shown_worse" else "is shown to be within"
    usd_p = usd_of(c.ok[pick])
    usd_b = usd_of(c.ok[b])
    cost = ""
    if usd_p is not None and usd_b is not None:
        ratio = (f"{cost_ratio(usd_p, usd_b)} cheaper" if c.m.cheaper(c.ok[pick], c.ok[b])
                 else f"{cost_ratio(usd_b, usd_p)} dearer" if c.m.cheaper(c.ok[b], c.ok[pick])
                 else f"a tie within the cost noise margin: under 2× or ${c.m.usd:g} a month apart")
        cost = f" It costs {usd(usd_p)} a month against {usd(usd_b)} ({ratio})."
    return (f"Chose {c.ok[pick].label}: the {how} candidate whose shortfall from the best {test} the "
            f"tolerance. Its {m.label} is {_val(c, pick)} against {_val(c, b)} for {c.ok[b].label}: a gap of "
            f"{gap:.3g}, {ci_label(c.j.confidence)} simultaneous interval of the shortfall {lo:.3g} to {hi:.3g}, "
            f"tolerance {_tol_text(c)}.{cost}")


def _tied_reason(c: _Ctx, pick: int, rule: ChooseSection, scores: Scores) -> str:
    """The pick costs about as much as the best: it is kept because the best's lead is within the tolerance."""
    b, m = c.best, scores.primary
    gap = c.j.util[b] - c.j.util[pick]
    what = "lower-rung" if c.ok[pick].rung < c.ok[b].rung else ("cheaper" if rule.rule == "cheapest_within"
                                                               else "simpler")
    return (f"Chose {c.ok[pick].label}: it costs about as much as the best, {c.ok[b].label} "
            f"({_costs(c, pick, b)}), and trails its {m.label} ({_val(c, pick)} against {_val(c, b)}) by "
            f"{_gap(gap, c)}, within the tolerance "
            f"({_tol_text(c)}); with a lead that small, the {what} candidate is kept.")


def _gap(gap: float, c: _Ctx) -> str:
    """A point-estimate gap with the digits that tell it from the tolerance (0.01004 is not 0.01)."""
    for digits in (3, 4, 5, 6):
        text = f"{gap:.{digits}g}"
        if float(text) != float(f"{c.tol_abs:.{digits}g}") or digits == 6:
            return text
    return f"{gap:.6g}"


def _costs(c: _Ctx, a: int, b: int) -> str:
    usd_a, usd_b = usd_of(c.ok[a]), usd_of(c.ok[b])
    if usd_a is None or usd_b is None:
        return "costs not measured"
    return f"{usd(usd_a)} against {usd(usd_b)} a month, a tie within the cost noise margin"


def _passed_over(c: _Ctx, chosen: int, scores: Scores) -> str:
    """Name the lower-rung candidates that cost about as much as the chosen one and trail it beyond the tolerance."""
    near = [i for i in c.front if c.ok[i].rung < c.ok[chosen].rung and chosen in _led(c, i)
            and not c.m.cheaper(c.ok[chosen], c.ok[i])]
    if not near:
        return ""
    i = max(near, key=lambda k: (c.j.util[k], -k))
    gap = c.j.util[chosen] - c.j.util[i]
    return (f" {c.ok[i].label} costs about as much ({_costs(c, i, chosen)}) and trails by {_gap(gap, c)} on the "
            f"{scores.primary.label}, more than the tolerance: with nothing to save, the better estimate wins.")


def _leaders(c: _Ctx, pick: int, scores: Scores) -> str:
    """When the holdout cannot separate the leaders, say so with the smallest difference it could detect."""
    j = c.j
    lead = [i for i in c.allowed if not any(j.shown_better(a, i) for a in c.allowed)]
    if len(lead) < 2 or j.points_only:
        return ""
    other = pick if pick != c.best and pick in lead else max((i for i in lead if i != c.best),
                                                             key=lambda i: (j.util[i], -i))
    mde = j.detectable(c.best, other)
    names = ", ".join(c.ok[i].label for i in lead[:6]) + (", …" if len(lead) > 6 else "")
    rows = f"The {scores.n:,}-row holdout" if scores.n else "The holdout"
    return (f" {rows} cannot separate the "
            f"{len(lead)} leaders (the set of the best: {names}); the smallest {scores.primary.label} difference "
            f"it would detect between {c.ok[c.best].label} and {c.ok[other].label} is about {mde:.3g} "
            f"(80% power).")


def _within_limits(r: Row, rule: ChooseSection) -> bool:
    usd = usd_of(r)
    if rule.max_monthly_usd is not None and (usd is None or usd > rule.max_monthly_usd):
        return False
    limit = rule.max_predict_ms_per_1k
    return limit is None or (r.predict_ms_per_1k is not None and r.predict_ms_per_1k <= limit)
