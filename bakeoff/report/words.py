"""Words for a business audience: what the primary metric means, a glossary, three summary sentences.

Shared by the terminal, Markdown and HTML reports. The full list of pairwise
sentences comes from :mod:`bakeoff.judge.front`; here we pick the three that tell the
story (the chosen, the most accurate, the cheapest that comes close) and fold the rest.
"""

from __future__ import annotations

from typing import Any

from bakeoff.candidates.metrics import METRICS
from bakeoff.core.money import usd_cents
from bakeoff.core.records import Status, label_of
from bakeoff.report.fields import val
from bakeoff.report.result import Result


def _metric(row: Any, name: str) -> float:
    return val(row, "metrics")[name]


def _monthly(row: Any) -> float:
    return val(val(row, "cost"), "monthly_usd")

MEANING = {
    "roc_auc": "how well it ranks positives above negatives (0.5 is a coin flip, 1 is perfect)",
    "pr_auc": "precision averaged over recall levels (the base rate is chance, 1 is perfect)",
    "log_loss": "the penalty for confident wrong probabilities",
    "brier": "the mean squared error of the predicted probabilities",
    "lift_top_decile": "how many times the base rate the top 10% of scores capture",
    "rmse": "the typical size of an error, in the target's units (large misses count more)",
    "mae": "the average size of an error, in the target's units",
    "r2": "the share of the target's variation explained (1 is perfect, 0 is the mean)",
    "poisson_deviance": "how far predicted counts are from actual counts, relative to their size",
    "gini": "how well it ranks high values above low ones (1 is perfect, 0 is random)",
    "bias_pct": "how far the predicted total is from the actual total",
}

GLOSSARY = {
    "naive": "no model at all: the average, or each customer's own past rate; the bar every model must beat",
    "sql": "a hand-written rule in SQL that the database runs as it is; nothing to deploy but a query",
    "glm": "a classic regression with one readable coefficient per input",
    "btyd": "'Buy Till You Die' models of repeat buying: each customer buys at their own steady rate "
            "until they silently drop out (Pareto/NBD: drop-out at any time; BG/NBD: only right after a "
            "purchase)",
    "tree": "decision trees and forests of them: if-then splits learned from the data",
    "xgboost": "gradient-boosted trees (XGBoost), a strong general-purpose machine-learning model; "
               "'tuned' also searches its settings",
}


def _unit(result: Result) -> str:
    p = result.problem
    if p.kind == "customer_base":
        what = {"purchases": "purchases", "spend": "dollars of spend", "active": ""}.get(p.target, "")
        span = f" over the next {p.horizon_weeks:g} weeks" if p.horizon_weeks else ""
        return f"{what} per customer{span}".strip()
    return f"in {p.target}"


def meaning(result: Result) -> str:
    """The chosen candidate's score, what the metric means and which way is better."""
    row = _row(result, result.chosen)
    if row is None:
        return "No candidate was chosen."
    m = METRICS[result.primary]
    better = "higher is better" if m.higher_is_better else "lower is better"
    name, value = label_of(val(row, "name"), val(row, "family"), val(row, "params")), _metric(row, result.primary)
    text = f"{name} scores {m.label} {value:.4g} ({better}): {MEANING.get(result.primary, m.label)}."
    mae = val(row, "metrics").get("mae")
    if result.problem.task != "binary" and mae is not None and result.primary != "mae":
        text += f" In plain terms: its predictions are off by {mae:.2g} {_unit(result)} on average."
    return text


def glossary(result: Result) -> list[tuple[str, str]]:
    """(family, one line) for each family in the table, in ladder order."""
    seen: dict[str, str] = {}
    for r in result.rows:
        fam = val(r, "family") or ""
        if fam in GLOSSARY and fam not in seen and val(r, "applicable") is not False:
            seen[fam] = GLOSSARY[fam]
    return list(seen.items())


def _row(result: Result, name: str | None) -> Any:
    return next((r for r in result.rows if val(r, "name") == name), None)


def _ok(result: Result) -> list[Any]:
    return [r for r in result.rows if Status(val(r, "status")) is Status.OK and val(r, "metrics")]


def _close(row: Any) -> bool:
    """In the set of the best (no candidate is shown better), the table's one notion of "tied"."""
    in_set = val(row, "best_set")
    if in_set is not None:
        return bool(in_set)
    low, high = val(row, "vs_best_low"), val(row, "vs_best_high")
    if val(row, "vs_best_name") in (None, val(row, "name")):
        return True
    return low is not None and high is not None and low <= 0 <= high


def _said(label: str, row: Any, result: Result) -> str:
    m = METRICS[result.primary]
    name = label_of(val(row, "name"), val(row, "family"), val(row, "params"))  # a champion names the model it keeps
    return (f"{label}: {name} ({_family(row)}), {m.label} {_metric(row, result.primary):.4g} "
            f"at {usd_cents(_monthly(row))} a month")


def summary(result: Result) -> list[str]:
    """Three sentences: the chosen, the most accurate, the cheapest that comes close."""
    ok = _ok(result)
    if not ok:
        return ["No candidate finished; see the table for why."]
    sign = -1 if METRICS[result.primary].higher_is_better else 1
    best = min(ok, key=lambda r: (sign * _metric(r, result.primary), val(r, "rung")))
    chosen = _row(result, result.chosen)
    close = [r for r in ok if _close(r)]
    cheapest = min(close or [best], key=lambda r: (_monthly(r), val(r, "rung")))
    out = [_said("Chosen", chosen, result) + "."] if chosen is not None else []
    out.append(_said("Most accurate", best, result) + ".")
    tied = len(close) - 1
    out.append(_said("Cheapest that comes close", cheapest, result)
               + (f"; {tied} candidate(s) are statistically tied with the best." if tied > 0
                  else "; no other candidate is statistically tied with the best."))
    return out


def _family(row: Any) -> str:
    return {"naive": "no model", "sql": "SQL rule", "glm": "regression", "btyd": "buy-till-you-die model",
            "tree": "trees", "xgboost": "boosted trees"}.get(val(row, "family") or "", val(row, "family") or "")


def problem_notes(result: Result) -> list[str]:
    """Notes on what was scored: the horizon, the label window the ML rungs learn on, the dates used."""
    p, out = result.problem, []
    if p.horizon_weeks:
        out.append(f"Holdout horizon: {p.horizon_weeks:g} weeks.")
    if p.label_weeks and p.horizon_weeks and p.label_weeks < p.horizon_weeks:
        a = result.alignment
        how = (f"aligned to the horizon with calibration-period figures ({a['expected']:.4g} per customer; "
               "see 'How ML targets were built')" if a else f"scaled ×{p.horizon_scale:.2f} to the horizon")
        out.append(f"Models that need a training target learn it over a {p.label_weeks:.1f}-week window ending "
                   f"at calibration end; their predictions are {how}.")
    out += [text for text in (getattr(p, "dates", ""), getattr(p, "labels", "")) if text]
    return out

