"""The decision first, in business words; the evidence one line below; the full statistics folded away.

A demo audience reads the first line and decides: "Use pareto_nbd. It is as accurate as the best candidate
(within the 2% tolerance on Poisson deviance) and costs under $0.01 a month to run …". The second line gives
the evidence a sceptic asks for (the interval, the tolerance, the method). The choice rule's own wording
(:attr:`Result.reason`, written by :mod:`bakeoff.judge.choice`) stays whole in ``results.json`` and in the folded
details of the reports. Money follows :mod:`bakeoff.core.money`: costs under a cent read "under $0.01", and
ratios appear only when both costs are at least $1 a month.
"""

from __future__ import annotations

from bakeoff.candidates.metrics import METRICS
from bakeoff.core.money import cost_comparison, usd_cents, usd_rounded
from bakeoff.core.records import Row
from bakeoff.judge.choice import DEFAULT_TOLERANCE, tolerance_for
from bakeoff.judge.front import Margins, ci_label
from bakeoff.report.result import Result


def decision(result: Result) -> str:
    """The headline: which candidate to use, why in one breath, and what it costs to run."""
    chosen = _row(result, result.chosen)
    if chosen is None:
        return "No candidate can be recommended from this run (why: below)."
    if result.experiment.choose.rule == "max_net_value" and chosen.value is not None:
        return _net_decision(result, chosen)
    best = _best(result)
    metric = METRICS[result.primary].label
    run = usd_cents(chosen.monthly_usd or 0.0)
    if best is None or best.name == chosen.name:
        text = (f"Use {chosen.label}. It is the most accurate candidate ({metric} {_num(result, chosen)}) and costs "
                f"{run} a month to run")
        return text + _ties(result, chosen) + "."
    tol_text = tolerance_text(result)
    against = cost_comparison(chosen.monthly_usd, best.monthly_usd, best.label)
    if (chosen.shortfall or 0.0) <= tolerance(result):
        text = (f"Use {chosen.label}. It is as accurate as the best candidate, {best.label}, within the tolerance "
                f"({tol_text}), and it {against}.")
    else:
        text = (f"Use {chosen.label}. It {against}, and it is not shown to be less accurate than the best "
                f"candidate, {best.label}, by more than the tolerance ({tol_text}).")
    return text + (" No candidate is shown to do better." if chosen.best_set
                   else f" {best.label} is shown better, by less than the tolerance.")


def evidence(result: Result) -> str:
    """One line of evidence under the headline: the interval, the tolerance, the holdout and the method."""
    chosen = _row(result, result.chosen)
    score = result.experiment.score
    ci = ci_label(score.confidence)
    method = (f"paired bootstrap over {score.bootstrap} resamples, {ci} simultaneous intervals (max-T) over the "
              f"{len(_ok(result))} candidates compared" if score.bootstrap else "point estimates only (no bootstrap)")
    if chosen is None:
        return f"Evidence: {result.reason}"
    where = f"on {result.n_holdout:,} holdout rows"
    if result.experiment.choose.rule == "max_net_value" and chosen.value is not None:
        v = chosen.value
        return (f"Evidence {where}: {chosen.label} nets {usd_rounded(v.net_usd_month)} a month ({ci} interval "
                f"{usd_rounded(v.net_low)} to {usd_rounded(v.net_high)}), tolerance {tolerance_text(result)}; "
                f"{method}.")
    metric = METRICS[result.primary].label
    text = f"Evidence {where}: {metric} {_num(result, chosen)}"
    if chosen.ci_low is not None and chosen.ci_high is not None:
        text += f" ({ci} interval {chosen.ci_low:.3g} to {chosen.ci_high:.3g})"
    best = _best(result)
    low, high = chosen.shortfall_low, chosen.shortfall_high
    if best is not None and best.name != chosen.name and low is not None and high is not None:
        text += (f" against {_num(result, best)} for {best.label}; shortfall {chosen.shortfall or 0.0:.3g} ({ci} "
                 f"simultaneous interval {low:.3g} to {high:.3g}), tolerance {tolerance(result):.3g}")
    return f"{text}; {method}."


def tolerance(result: Result) -> float:
    """The choice's tolerance in the primary metric's units (or dollars a month under ``max_net_value``)."""
    choose = result.experiment.choose
    if choose.rule == "max_net_value":
        tol = DEFAULT_TOLERANCE if choose.tolerance is None else choose.tolerance
        return tol * abs(max(_nets(result).values(), default=0.0)) if choose.relative in (None, True) else tol
    tol, relative = tolerance_for(result.primary, choose)
    best = _best(result)
    return tol * abs((best.metrics or {})[result.primary]) if relative and best is not None else tol


def tolerance_text(result: Result) -> str:
    """The tolerance as people read it: ``2% of Poisson deviance``, ``0.01 ROC AUC``, ``$6.4k a month``."""
    choose = result.experiment.choose
    if choose.rule == "max_net_value":
        return f"{usd_rounded(tolerance(result))} a month"
    tol, relative = tolerance_for(result.primary, choose)
    metric = METRICS[result.primary].label
    return f"{tol:.0%} of {metric}" if relative else f"{tol:g} {metric}"


def _net_decision(result: Result, chosen: Row) -> str:
    """The headline under ``max_net_value``: what the chosen nets a month and what it costs to run."""
    assert chosen.value is not None
    nets = _nets(result)
    top = max(nets, key=lambda n: nets[n]) if nets else chosen.name
    net, run = chosen.value.net_usd_month, usd_cents(chosen.monthly_usd or 0.0)
    head = f"Use {chosen.label}. It should net about {usd_rounded(net)} a month"
    if top == chosen.name:
        return f"{head}, the most of any candidate, and costs {run} a month to run."
    if nets[top] - net <= tolerance(result):
        return (f"{head}, as much as the best, {top}, within the tolerance ({tolerance_text(result)}), and costs "
                f"{run} a month to run.")
    return (f"{head} and costs {run} a month to run. {top} nets {usd_rounded(nets[top])} on this holdout, but "
            f"that lead is not shown to exceed the tolerance ({tolerance_text(result)}).")


def _nets(result: Result) -> dict[str, float]:
    return {r.name: r.value.net_usd_month for r in _ok(result) if r.value is not None}


def _ties(result: Result, chosen: Row) -> str:
    """Candidates the holdout cannot tell from the chosen one, and whether they would save anything."""
    others = [r for r in _ok(result) if r.name != chosen.name]
    tied = [r for r in others if r.best_set]
    if not tied:
        return "; every other candidate is shown worse" if others else ""
    names = ", ".join(r.label for r in tied[:3]) + (f" and {len(tied) - 3} more" if len(tied) > 3 else "")
    margins = Margins.of(result.experiment.cost)
    if any(margins.cheaper(r, chosen) for r in tied):
        return f"; the holdout cannot tell it from {names}"
    return f"; the holdout cannot tell it from {names}, which cost about as much and trail on the estimate"


def _ok(result: Result) -> list[Row]:
    return [r for r in result.rows if r.ok and r.metrics]


def _row(result: Result, name: str | None) -> Row | None:
    return next((r for r in result.rows if r.name == name), None) if name else None


def _best(result: Result) -> Row | None:
    """The best point estimate on the primary metric (the table's ``vs best`` reference)."""
    ok = _ok(result)
    names = {r.vs_best_name for r in ok if r.vs_best_name}
    return next((r for r in ok if r.name in names), None)


def _num(result: Result, row: Row) -> str:
    return f"{(row.metrics or {})[result.primary]:.4g}"
