"""The run's plain sentences in dollars: what the leading candidates' decisions earn, and who nets less than
doing nothing clever (``[value]``)."""

from __future__ import annotations

import math
from typing import Any

from bakeoff.core.money import cost_comparison, usd_rounded
from bakeoff.core.records import Row
from bakeoff.judge.front import DEFAULT_MARGINS, Margins
from bakeoff.judge.value import ValueReport


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
        out.append(f"{r.label} is worth less than {policy}: it nets {usd_rounded(r.value.net_usd_month)} a month "
                   f"against {usd_rounded(report.trivial[policy][0])} ({how}).")
    return out


def value_sentences(report: ValueReport, rows: list[Row], leaders: tuple[str, ...], confidence: float,
                    margins: Margins = DEFAULT_MARGINS) -> list[str]:
    """One plain sentence in dollars per leading candidate (the set of the best in net value).

    The leaders are named in order of net value as the judgement sees it: running costs under the cost noise
    margin count as nothing (:meth:`Margins.material`), so two candidates that take the same decisions keep
    their ladder order instead of trading places on the timing noise of their sub-margin costs.
    """
    if not leaders:
        return []
    cost = {r.name: (r.monthly_usd or 0.0) for r in rows if r.name in report.candidates}
    seen = {n: report.candidates[n].value - margins.material(report.candidates[n].running) for n in leaders}
    ranked = sorted(leaders, key=lambda n: -seen[n])
    top = ranked[0]
    out = []
    for name in ranked[:4]:
        v = report.candidates[name]
        share = f", {v.share:.0%} of what perfect foresight would" if math.isfinite(v.share) else ""
        text = (f"{_acting(report, name, v)} about {usd_rounded(v.value)} a month ({confidence:.0%} interval "
                f"{usd_rounded(v.low)} to {usd_rounded(v.high)}){share}")
        if name != top:
            text += (f"; the holdout cannot tell it from {top} in net value, and it "
                     f"{cost_comparison(cost[name], cost[top], top)}")
        out.append(text + ".")
    return out


def _acting(report: ValueReport, name: str, value: Any) -> str:
    if report.policy == "top_fraction":
        return f"Acting on {name}'s top {report.section.fraction:.0%} returns"
    if report.policy == "threshold":
        return (f"Acting where {name}'s score reaches {value.threshold:.3g} (chosen on training data; "
                f"{value.acted:.0%} of cases) returns")
    return f"Ordering {name}'s forecast returns"
