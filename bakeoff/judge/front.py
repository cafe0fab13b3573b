"""The trade-off table: CIs, simultaneous comparisons, the set of the best, Pareto flags and sentences.

Every accuracy statement comes from one :class:`~bakeoff.judge.maxt.Judgement` over all OK
candidates ("shown better" = its simultaneous interval excludes zero). Costs are compared with
a noise margin (:class:`Margins`): one candidate is *cheaper* than another only if the other
costs more than ``COST_RATIO`` times as much **and** the difference exceeds a floor
(``FIT_FLOOR_S`` seconds of fitting; ``[cost] negligible_usd`` dollars a month, default $1);
otherwise the costs are tied. The dollar floor is where timing noise lives: a sub-second fit or
a microsecond prediction, measured on a shared machine and scaled to production rows, moves by
several times between identical runs, yet stays far below a dollar a month. Timing noise
therefore does not move a flag, and a cost gap nobody would budget for does not decide one.

A dominates B when A's point estimate is at least as good, A is nowhere costlier, and A is
better by a real margin somewhere: shown more accurate, or cheaper beyond the noise margin.
The best point estimate can only be dominated by an exact tie, and the choice is made among
the non-dominated candidates, so both always sit on the Pareto front.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from bakeoff.config.experiment import CostSection
from bakeoff.core.money import cost_comparison, usd_rounded
from bakeoff.core.records import Row, Verdict
from bakeoff.judge.maxt import Judgement, format_p
from bakeoff.judge.scoring import Scores

COST_RATIO = 2.0
FIT_FLOOR_S = 10.0
USD_FLOOR = 1.0


def cheaper(first: float | None, second: float | None, floor: float) -> bool:
    """``a`` is cheaper than ``b`` beyond the noise margin (ratio above ``COST_RATIO`` and gap above ``floor``)."""
    if first is None or second is None:
        return False
    return second > COST_RATIO * first and second - first > floor


@dataclass(frozen=True)
class Margins:
    """The cost noise margin: a cost is lower only when over ``COST_RATIO``x and more than the floor.

    Attributes:
        usd: Dollars a month below which a gap is a tie (``[cost] negligible_usd``).
        fit_s: Seconds of fitting below which a gap is a tie.
    """

    usd: float = USD_FLOOR
    fit_s: float = FIT_FLOOR_S

    @classmethod
    def of(cls, cost: CostSection) -> Margins:
        """The margins of an experiment's ``[cost]`` section."""
        return cls(usd=cost.negligible_usd)

    def cheaper(self, first: Row, second: Row) -> bool:
        """``a`` costs less a month than ``b`` beyond the margin.

        Upkeep (``[cost] upkeep_usd_per_month``) is declared, not measured: the ratio test, there for
        timing noise, applies to the measured dollars only, and an upkeep gap above the floor is real.
        """
        usd_a, usd_b = first.monthly_usd, second.monthly_usd
        if usd_a is None or usd_b is None or usd_b - usd_a <= self.usd:
            return False
        keep_a, keep_b = first.upkeep_usd, second.upkeep_usd
        return keep_b - keep_a > self.usd or cheaper(usd_a - keep_a, usd_b - keep_b, 0.0)

    def faster(self, first: Row, second: Row) -> bool:
        """``a`` fits faster than ``b`` beyond the margin."""
        return cheaper(first.fit_s, second.fit_s, self.fit_s)

    def not_beaten(self, rows: list[Row], pool: list[int]) -> list[int]:
        """The indices in ``pool`` whose monthly cost no other in ``pool`` beats beyond the margin."""
        return [i for i in pool if not any(self.cheaper(rows[a], rows[i]) for a in pool)]

    def material(self, usd: float) -> float:
        """Dollars a month as the net-value judgement sees them: 0 below the margin, else the cost itself."""
        return usd if usd >= self.usd else 0.0

    def text(self) -> str:
        """The margin in words, for footnotes."""
        return (f"Costs tie unless one is over {COST_RATIO:g}× the other and the gap exceeds {self.fit_s:g} s "
                f"of fitting or ${self.usd:g} a month.")


DEFAULT_MARGINS = Margins()


def cost_ratio(first: float, second: float) -> str:
    """How many times ``first`` is ``second``, for fit times (money: :func:`~bakeoff.core.money.cost_comparison`)."""
    if first <= 0:
        return "many times"
    r = second / first
    return f"{r:,.0f}×" if r >= 10 else f"{r:.1f}×"


NET_SHOWN = "shown to net more"  # the front drawn on net value (``max_net_value``): differences are dollars a month


def signed(amount: float, money: bool) -> str:
    """A difference with its sign: ``+0.0504``, or ``+$374k`` for net value."""
    if not money:
        return f"{amount:+.3g}"
    text = usd_rounded(amount)
    return text if text.startswith("-") else "+" + text


def judged(rows: list[Row], scores: Scores) -> tuple[list[Row], Judgement]:
    """The OK rows in ladder order (lower rung first) and the one judgement over all of them."""
    ok = sorted((r for r in rows if r.ok), key=lambda r: (r.rung, r.name))
    return ok, scores.judge(tuple(r.name for r in ok))


def dominance(ok: list[Row], judgement: Judgement, ia: int, ib: int, margins: Margins = DEFAULT_MARGINS,
              shown: str = "shown more accurate") -> str | None:
    """Why ``ok[ia]`` dominates ``ok[ib]`` in words (its real margin), or None when it does not.

    ``judgement`` judges the quantity the front is drawn on (the primary metric, or net value under
    ``rule = "max_net_value"``), indexed like ``ok``; ``shown`` names a real margin in it.
    """
    first, second = ok[ia], ok[ib]
    if judgement.util[ia] < judgement.util[ib] or margins.cheaper(second, first) or margins.faster(second, first):
        return None
    reasons = []
    if judgement.shown_better(ia, ib):
        d, lo, hi = judgement.interval(ia, ib)
        money = shown == NET_SHOWN
        reasons.append(f"{shown} ({signed(d, money)}, interval {signed(lo, money)} to {signed(hi, money)})")
    if margins.cheaper(first, second):
        reasons.append(cost_comparison(first.monthly_usd, second.monthly_usd, second.name))
    if margins.faster(first, second):
        reasons.append(f"fits {cost_ratio(first.fit_s or 0.0, second.fit_s or 0.0)} faster")
    return f"{first.name}: " + ", ".join(reasons) if reasons else None


JudgedValues = dict[str, dict[str, Any]]  # candidate name -> judged field -> value (a Verdict's values, in the making)


def front_flags(ok: list[Row], judgement: Judgement, margins: Margins,
                shown: str = "shown more accurate") -> JudgedValues:
    """Each row's Pareto flag, dominated-by names and dominance reasons from ``judgement`` (indexed like ``ok``)."""
    out: JudgedValues = {}
    for ib, row in enumerate(ok):
        why = [w for ia in range(len(ok)) if ia != ib and (w := dominance(ok, judgement, ia, ib, margins, shown))]
        out[row.name] = {"dominated_by": [w.split(":", 1)[0] for w in why], "dominance": why, "pareto": not why}
    return out


def annotate(rows: list[Row], scores: Scores, margins: Margins = DEFAULT_MARGINS) -> JudgedValues:
    """The CI, vs-best, vs-simplest, set-of-the-best, shortfall, Pareto and dominated-by fields of the OK rows."""
    ok, j = judged(rows, scores)
    if not ok:
        return {}
    out = front_flags(ok, j, margins)
    top = max(j.util)
    best = next((i for i, r in enumerate(ok) if j.util[i] == top and out[r.name]["pareto"]), int(j.best))
    simplest = next((i for i, r in enumerate(ok) if r.rung > 0), None)
    for k, r in enumerate(ok):
        judged_ = out[r.name]
        judged_["ci_low"], judged_["ci_high"] = scores.ci(r.name)
        d, lo, hi = j.interval(k, best)
        judged_.update(vs_best=d, vs_best_low=lo, vs_best_high=hi, vs_best_p=j.p_value(best, k),
                       vs_best_name=j.names[best])
        if simplest is not None:
            d, lo, hi = j.interval(k, simplest)
            judged_.update(vs_simplest=d, vs_simplest_low=lo, vs_simplest_high=hi, vs_simplest_name=j.names[simplest],
                           vs_simplest_p=min(j.p_value(simplest, k), j.p_value(k, simplest)))
        judged_["shortfall"], judged_["shortfall_low"], judged_["shortfall_high"] = j.shortfall(k)
        judged_.update(best_set=j.in_best_set(k), best_set_p=j.best_set_p(k), bootstrap_rounds=j.rounds)
    return out


def annotated(rows: list[Row], scores: Scores, margins: Margins = DEFAULT_MARGINS) -> list[Row]:
    """The rows with :func:`annotate`'s fields (for tests and benchmarks that judge rows by hand)."""
    return with_verdicts(rows, annotate(rows, scores, margins))


def with_verdicts(rows: list[Row], judged_values: JudgedValues) -> list[Row]:
    """Each row with its judged values (rows without any are returned as they are)."""
    return [r.judged(Verdict(judged_values[r.name])) if r.name in judged_values else r for r in rows]


def sentences(rows: list[Row], scores: Scores, confidence: float) -> list[str]:
    """One plain sentence per OK candidate comparing it with the best one."""
    m = scores.primary
    out = []
    for r in rows:
        if not r.ok or r.vs_best_name is None or r.vs_best_name == r.name:
            continue
        assert r.vs_best is not None and r.vs_best_low is not None and r.vs_best_high is not None
        best = next(o for o in rows if o.name == r.vs_best_name)
        gap = abs(r.vs_best)
        worse = "higher" if r.vs_best > 0 else "lower"
        lo, hi, rounds = r.vs_best_low, r.vs_best_high, r.bootstrap_rounds or 0
        ci = (f" ({ci_label(confidence)} simultaneous interval of the difference {lo:+.3g} to {hi:+.3g}, "
              f"adjusted {format_p(r.vs_best_p, rounds)})") if rounds and math.isfinite(lo) else ""
        diff = f"has the same {m.label}" if gap == 0 else f"its {m.label} is {gap:.3g} {worse}{ci}"
        if r.best_set:
            verdict = "the difference is not shown; both are in the set of the best"
        elif rounds and lo <= 0 <= hi:
            verdict = "not in the set of the best: another candidate is shown better"
        else:
            verdict = "the difference is real"
        cost = cost_comparison(r.monthly_usd, best.monthly_usd, best.name)
        out.append(f"{r.name} {cost}, and {diff}: {verdict}.")
    return out


def ci_label(confidence: float) -> str:
    """``95%``, ``90%``, ``97.5%``: the configured confidence as a label."""
    return f"{100 * confidence:.4g}%"


def to_frame(rows: list[Row], primary: str, chosen: str | None) -> pd.DataFrame:
    """The flat table: one row per candidate, metrics and costs as columns (see :meth:`Row.flat`)."""
    return pd.DataFrame([r.flat(primary, chosen) for r in rows]).set_index("name")
