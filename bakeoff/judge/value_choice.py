"""``[choose] rule = "max_net_value"`` and the plain sentences in dollars.

The rule holds net value (value - running cost, a month) to the same evidence standard as the
rest of the table: the net-value replicates are paired on the primary metric's resamples and
compared with the same simultaneous machinery; the chosen candidate is the cheapest to run whose
shortfall in net value from the best is **not shown** to exceed the tolerance (in dollars), among
the candidates on the Pareto front of net value and running cost. As in :mod:`bakeoff.judge.choice`, that
benefit of the doubt holds only against candidates that cost more to run by a real margin: a
candidate that costs about as much and nets more by over the tolerance wins. Running costs
compare with the table's noise margin (:class:`~bakeoff.judge.front.Margins`); a tie goes to the
lower rung, then to the higher net value. The judgement itself nets off only running costs of at least one margin
(:meth:`~bakeoff.judge.front.Margins.material`): two candidates that take the same decisions would
otherwise differ in net value by the timing noise of sub-margin running costs alone, with every
resample agreeing, and that noise would be "shown". (A cost that sits right at the margin can
still fall either side of it between runs.) Under this rule the table's Pareto flags
are drawn on net value too, so the chosen and the best candidate are always on the front the
business reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bakeoff.core.records import Row, keep_words
from bakeoff.judge.front import DEFAULT_MARGINS, Margins, dominance, flag_front
from bakeoff.judge.maxt import Judgement
from bakeoff.judge.valuation import ValueReport
from bakeoff.judge.value import money

DEFAULT_TOLERANCE = 0.01  # of the best net value, when [choose] sets none
EPS = 1e-9


Judge = Callable[[tuple[str, ...], np.ndarray, np.ndarray | None, float], Judgement]


def net_judge(names: tuple[str, ...], point: np.ndarray, reps: np.ndarray | None, confidence: float) -> Judgement:
    """The table's simultaneous judgement (:mod:`bakeoff.judge.maxt`) on net-value replicates (higher is better)."""
    return Judgement.from_replicates(names, point, reps, higher_is_better=True, confidence=confidence)
NET = "shown to net more"


@dataclass(frozen=True)
class ValueChoice:
    """The chosen candidate, the sentence saying why, and the leaders (set of the best in net value)."""

    name: str | None
    reason: str
    leaders: tuple[str, ...]


def choose_net_value(report: ValueReport, rows: list[Row], judge: Judge, *, tolerance: float | None,
                     relative: bool | None, confidence: float, margins: Margins = DEFAULT_MARGINS,
                     flag: bool = False) -> ValueChoice:
    """The cheapest candidate on the net-value front whose shortfall from the best is not shown to exceed the
    tolerance; with ``flag`` the rows' Pareto flags are set on net value and running cost."""
    ok = [r for r in rows if r.name in report.candidates]
    if not ok:
        return ValueChoice(None, "No candidate finished; nothing was chosen.", ())
    names = tuple(r.name for r in ok)
    vals = [report.candidates[n] for n in names]
    cost = np.array([margins.material(v.running) for v in vals])
    point = np.array([v.value for v in vals]) - cost
    reps = (np.column_stack([v.replicates for v in vals]) - cost[None, :]
            if all(len(v.replicates) for v in vals) else None)
    j = judge(names, point, reps, confidence)
    best = int(np.argmax(point))
    tol = DEFAULT_TOLERANCE if tolerance is None else tolerance
    rel = True if relative is None else relative
    tol_abs = tol * abs(point[best]) if rel else tol
    front = [i for i in range(len(ok))
             if not any(a != i and dominance(ok[a], ok[i], j, a, i, margins, NET) for a in range(len(ok)))]
    led = {i: [q for q in range(len(ok)) if q != i and not margins.cheaper(ok[i], ok[q])
               and point[q] - point[i] > tol_abs + EPS] for i in range(len(ok))}
    floor = max((v for v, _ in report.trivial.values()), default=-math.inf)
    mark_below(report, ok, point, reps, judge, confidence)
    eligible = [i for i in front if j.shortfall(i)[1] <= tol_abs + EPS and not led[i]] or [best]
    eligible = [i for i in eligible if point[i] >= floor - EPS] or ([best] if point[best] >= floor - EPS else [])
    if flag:
        flag_front(ok, j, margins, NET)
    leaders = tuple(names[i] for i in range(len(ok)) if not any(j.shown_better(a, i) for a in range(len(ok))))
    if not eligible:
        return ValueChoice(None, _nothing_beats(report, ok, vals, best), leaders)
    pick = min(margins.not_beaten(ok, eligible), key=lambda i: (ok[i].rung, -point[i], i))
    reason = _reason(ok, vals, best, pick, j, tol_abs, confidence, tied=not margins.cheaper(ok[pick], ok[best])
                     and not margins.cheaper(ok[best], ok[pick]))
    reason = _keep(ok, pick, j) + reason
    passed = [i for i in front if ok[i].rung < ok[pick].rung and pick in led[i]]
    if passed:
        i = max(passed, key=lambda k: (point[k], -k))
        reason += (f" {ok[i].label} costs about as much to run and nets {money(point[pick] - point[i])} a month less, "
                   "more than the tolerance: with nothing to save, the better estimate wins.")
    return ValueChoice(names[pick], reason, leaders)


def mark_below(report: ValueReport, ok: list[Row], point: np.ndarray, reps: np.ndarray | None, judge: Judge,
               confidence: float) -> None:
    """Set ``row.value.below`` for candidates that net less than a trivial policy.

    The trivial policies join the candidates in one simultaneous judgement (their replicates are
    paired with the candidates'); a candidate is marked with the policy shown to net more, else with
    the best trivial policy it trails on the point estimate (``"<policy> (point)"``).
    """
    if not report.trivial:
        return
    t_names = tuple(report.trivial)
    t_point = np.array([report.trivial[n][0] for n in t_names])
    every = (np.column_stack([reps, *(report.trivial[n][1] for n in t_names)])
             if reps is not None and all(len(report.trivial[n][1]) == len(reps) for n in t_names) else None)
    j = judge(tuple(r.name for r in ok) + t_names, np.r_[point, t_point], every, confidence)
    top = int(np.argmax(t_point))
    for i, row in enumerate(ok):
        shown = [t for t in range(len(t_names)) if every is not None and j.shown_better(len(ok) + t, i)]
        below = (t_names[max(shown, key=lambda t: t_point[t])] if shown
                 else f"{t_names[top]} (point)" if point[i] < t_point[top] - EPS else None)
        if row.value is not None:
            row.value.below = below


def below_sentences(report: ValueReport, rows: list[Row], confidence: float) -> list[str]:
    """One sentence per candidate that nets less a month than doing nothing clever."""
    out = []
    for r in rows:
        below = r.value.below if r.value is not None else None
        if not below:
            continue
        policy = below.removesuffix(" (point)")
        how = (f"shown at {confidence:.0%} confidence" if not below.endswith("(point)")
               else "on the point estimate, not shown")
        out.append(f"{r.label} is worth less than {policy}: it nets {money(r.value.net_usd_month)} a month against "
                   f"{money(report.trivial[policy][0])} ({how}).")
    return out


def _keep(ok: list[Row], pick: int, j: Judgement) -> str:
    """When the champion is chosen, say so first: keep the model already running."""
    better = [ok[q].label for q in range(len(ok)) if q != pick and j.shown_better(q, pick)]
    return keep_words(ok[pick], better, "shown to net more")


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
    if row is None or row.value is None or row.value.net_usd_month >= floor - EPS:
        return chosen, reason
    head = (f"{row.label} nets {money(row.value.net_usd_month)} a month under [value], less than {policy} "
            f"({money(floor)}), so it is not chosen. ")
    keep = [r for r in rows if r.ok and r.value is not None and r.value.net_usd_month >= floor - EPS]
    if not keep:
        return None, head + f"No candidate nets more: doing nothing clever is the verdict, keep {policy}."
    again = rechoose(keep)
    return again.name, head + again.reason


def _nothing_beats(report: ValueReport, ok: list[Row], vals: list[Any], best: int) -> str:
    name, (value, _) = max(report.trivial.items(), key=lambda kv: kv[1][0])
    return (f"No candidate nets more a month than {name} ({money(value)}): the best, {ok[best].label}, nets "
            f"{money(vals[best].net)} after running cost. Doing nothing clever is the verdict: keep {name}.")


def _reason(ok: list[Row], vals: list[Any], best: int, pick: int, j: Judgement, tol: float,
            confidence: float, *, tied: bool = False) -> str:
    b, p = vals[best], vals[pick]
    head = (f"Chose {ok[pick].label}: it nets {money(p.net)} a month ({confidence:.0%} interval "
            f"{money(p.low - p.running)} to {money(p.high - p.running)}) after {_usd(p.running)} of running cost")
    if pick == best:
        return head + ", the most of any candidate, and no cheaper one on the front is within the tolerance of it."
    gap, lo, hi = j.shortfall(pick)
    if tied:
        return (head + f"; it costs about as much to run as the best, {ok[best].label} ({money(b.net)}), whose "
                f"lead of {money(j.point[best] - j.point[pick])} is within the tolerance of {money(tol)}, so the "
                "simpler candidate is kept.")
    return (head + "; it is the cheapest candidate on the front whose shortfall from the best net value "
            f"({ok[best].label}, {money(b.net)}) is not shown to exceed the tolerance of {money(tol)}: a gap of "
            f"{money(gap)}, {confidence:.0%} interval of the shortfall {money(lo)} to {money(hi)}.")


def _running(r: Row) -> float:
    return r.cost.monthly_usd if r.cost is not None else 0.0


def _usd(x: float) -> str:
    if x >= 1:
        return f"${x:,.2f}"
    return "under $0.01" if x < 0.01 else f"${x:.2f}"


def value_sentences(report: ValueReport, rows: list[Row], leaders: tuple[str, ...],
                    confidence: float) -> list[str]:
    """One plain sentence in dollars per leading candidate (the set of the best in net value)."""
    if not leaders:
        return []
    cost = {r.name: _running(r) for r in rows if r.name in report.candidates}
    top = max(leaders, key=lambda n: report.candidates[n].net)
    out = []
    for name in sorted(leaders, key=lambda n: -report.candidates[n].net)[:4]:
        v = report.candidates[name]
        share = f", {v.share:.0%} of what perfect foresight would" if math.isfinite(v.share) else ""
        text = (f"{_acting(report, name, v)} about {money(v.value)} a month ({confidence:.0%} interval "
                f"{money(v.low)} to {money(v.high)}){share}")
        if name != top:
            text += (f"; the holdout cannot tell it from {top} in net value, and it costs "
                     f"{_ratio(cost[name], cost[top])} to run")
        out.append(text + ".")
    return out


def _acting(report: ValueReport, name: str, v: Any) -> str:
    if report.policy == "top_fraction":
        return f"Acting on {name}'s top {report.section.fraction:.0%} returns"
    if report.policy == "threshold":
        return f"Acting where {name}'s score reaches {v.threshold:.3g} (chosen on training data; {v.acted:.0%} of " \
               "cases) returns"
    return f"Ordering {name}'s forecast returns"


def _ratio(a: float, b: float) -> str:
    if a <= 0 or b <= 0:
        return "about as much"
    r = a / b
    if 1 / 1.05 < r < 1.05:
        return "about as much"
    word, r = ("more", r) if r > 1 else ("less", 1 / r)
    return f"{r:,.0f}× {word}" if r >= 10 else f"{r:.1f}× {word}"
