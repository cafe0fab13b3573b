"""report.md: the table, the choice, the sentences and each candidate's description."""

from __future__ import annotations

import json

from bakeoff.core.durations import format_seconds
from bakeoff.core.records import Row
from bakeoff.cost.model import ASSUMPTION, upkeep_text
from bakeoff.data.drift import drift_lines
from bakeoff.report import sections
from bakeoff.report.format import cells, dominated_lines, footnote, has_bias, headers, shown_rows
from bakeoff.report.headline import decision, evidence
from bakeoff.report.result import Result, environment


def markdown(result: Result) -> str:
    """The whole Markdown report."""
    exp = result.experiment
    p = result.problem
    lines = [f"# Bake-off: {exp.name}", "", f"**{decision(result)}**", "", evidence(result), ""]
    what = f"{p.kind} problem, target `{p.target}`"
    if p.horizon_weeks:
        what += f", holdout horizon {p.horizon_weeks:g} weeks"
    lines += [f"{what}; {result.n_train:,} training and {result.n_holdout:,} holdout rows from `{result.origin}`.",
              f"Seed {exp.seed}; time box {format_seconds(exp.timebox.total)} total, "
              f"{format_seconds(exp.timebox.per_candidate)} per candidate; wall time "
              f"{format_seconds(result.wall_s)}; {result.workers} candidate(s) at a time (CPU time is per candidate).",
              *[n for n in [getattr(p, "dates", ""), getattr(p, "labels", "")] if n], *result.scale_notes(), "",
              "<details><summary>The choice rule in full</summary>", "", result.reason, "", "</details>", ""]
    head = headers(result)
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rows, note = shown_rows(result)
    for row in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells(result, row)) + " |")
    lines += ["", note, ""] if note else []
    lines += ["", footnote(result), ""]
    if has_bias(result):
        lines += ["*bias*: predicted total over actual total on the holdout, minus one (activity: expected vs "
                  "actual number of active customers).", ""]
    lines += _targets(result)
    if dominated_lines(result):
        lines += ["## Off the Pareto front", "", *[f"- {d}" for d in dominated_lines(result)], ""]
    if result.leakage:
        lines += ["## Leakage warnings", "", *[f"- ⚠ {w}" for w in result.leakage], ""]
    if result.sentences:
        lines += ["## In plain words", "", *[f"- {s}" for s in result.sentences], ""]
    lines += _drift(result) + _segments(result) + _calibration(result)
    lines += ["## Candidates", ""]
    for row in rows:
        lines += _describe(row)
    lines += ["## Cost model", "", f"{ASSUMPTION}. Price: ${exp.cost.usd_per_cpu_hour}/CPU-hour, "
              f"{exp.cost.retrains_per_month:g} retrains and {exp.cost.predictions_per_month:,.0f} predictions "
              f"in {exp.cost.prediction_calls_per_month:g} calls a month.{upkeep_text(exp.cost)}", ""]
    if result.value is not None:
        lines += ["## Value", "", result.value.summary(), ""]
    env = environment()
    footer = (f"## Reproducibility\n\nConfig hash {exp.fingerprint()}; data hash {result.data_hash}; "
              f"Python {env['python']} on {env['platform']}; "
              + ", ".join(f"{k} {v}" for k, v in env["packages"].items() if v))
    return "\n".join(lines) + "\n" + sections.markdown(sections.FOOTER, footer)


def _targets(result: Result) -> list[str]:
    """How the ML targets were built: the label window and the horizon alignment (customer-base problems)."""
    p, a = result.problem, result.alignment
    if not a or not p.label_weeks or not p.horizon_weeks:
        return []
    unit = {"purchases": "purchase days", "spend": "spend", "active": "share of active customers"}[p.target]
    how = ("its cumulative hazard -log(1 - share) grows from the label window to the horizon by "
           f"×{a['growth']:.3f} (daily increments decaying {a['decay_per_week']:.3f}/week over nested windows)"
           if p.target == "active" else
           f"along the same age curve it grows from the label window to the horizon by ×{a['growth']:.3f}")
    return ["## How ML targets were built", "",
            f"Candidates that learn from a target (naive mean, SQL rules, GLM, trees, XGBoost) are trained on "
            f"features as of {p.label_weeks:.1f} weeks before calibration end, with the target counted over those "
            f"{p.label_weeks:.1f} weeks. Their predictions are then aligned to the {p.horizon_weeks:g}-week "
            "horizon with figures estimated from the calibration period alone (no holdout data):",
            "",
            f"- level: {a['level']:.4g} {unit} per training customer over the label window;",
            f"- ageing: the base's purchase rate falls as (age + 1 week)^{a['age_slope']:.3f} "
            f"(fitted on the label window's daily purchases); at the holdout customers' ages the label window "
            f"would hold ×{a['ageing']:.3f} as much;",
            f"- growth: {how};",
            f"- so each customer-level candidate is moved to {a['expected']:.4g} {unit} per customer over the "
            "horizon, on its link scale (counts and spend: one factor; probabilities: 1 - (1 - p)^e). Its own "
            "ranking of customers is kept. The old run-rate rule would have scaled "
            f"×{a['horizon_days'] / a['label_days']:.2f}.",
            "", "BTYD models and run-rate predict the horizon directly and are not aligned.", ""]


def _describe(row: Row) -> list[str]:
    out = [f"### {row.name} (rung {row.rung}, {row.family}) — {row.status.value}", ""]
    if row.summary:
        out += [row.summary, ""]
    if row.message:
        out += [f"> {row.message}", ""]
    params = row.params or {}
    sql = params.get("sql")
    rest = {k: v for k, v in params.items() if k != "sql"}
    if rest:
        out += ["```json", json.dumps(rest, indent=1, default=str)[:4000], "```", ""]
    if sql:
        out += ["```sql", sql.strip(), "```", ""]
    return out


def _drift(result: Result) -> list[str]:
    if not result.drift and not result.notes:
        return []
    out = ["## Data checks and drift", "", *[f"- {n}" for n in result.notes]]
    out += [f"- ⚠ {line}" for line in drift_lines(result.drift, most=30)]
    if not result.drift:
        out.append(f"- No feature moved (PSI below {result.experiment.checks.psi:g}).")
    return out + [""]


def _segments(result: Result) -> list[str]:
    seg = result.segments
    if seg is None or seg.empty:
        return []
    wide = seg.pivot_table(index=["column", "value", "n"], columns="candidate", values=result.primary,
                           sort=False)
    names = [r.name for r in result.rows if r.name in wide.columns]
    out = ["## Segments", "", f"{result.primary} per segment value.", "",
           "| segment | n | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for (col, value, n), row in wide.iterrows():
        out.append(f"| {col} = {value} | {n:,} | " + " | ".join(f"{row[c]:.4g}" for c in names) + " |")
    return out + [""] + [f"- {s}" for s in result.segment_notes] + [""]


def _calibration(result: Result) -> list[str]:
    if not result.calibration or result.problem.kind != "customer_base":
        return []  # other bins differ per candidate: they are in results.json
    out = ["## Calibration", "", "Actual vs predicted mean per bin "
           + ("(predicted probability)." if result.problem.task == "binary" else
              "(calibration-period repeat purchases x)." if result.problem.kind == "customer_base"
              else "(predicted decile)."), ""]
    first = next(iter(result.calibration.values()))
    names = list(result.calibration)
    out += ["| bin | n | actual | " + " | ".join(names) + " |", "|---|---|---|" + "---|" * len(names)]
    for i, b in enumerate(first):
        cells = [f"{result.calibration[n][i]['predicted']:.3g}" if i < len(result.calibration[n])
                 and result.calibration[n][i]["bin"] == b["bin"] else "" for n in names]
        out.append(f"| {b['bin']} | {b['n']:,} | {b['actual']:.3g} | " + " | ".join(cells) + " |")
    return out + [""]
