"""report.md: the table, the choice, the sentences and each candidate's description."""

from __future__ import annotations

import json

from bakeoff.cost import ASSUMPTION
from bakeoff.durations import format_seconds
from bakeoff.report.format import cells, headers
from bakeoff.result import Result, environment


def markdown(result: Result) -> str:
    """The whole Markdown report."""
    exp = result.experiment
    p = result.problem
    lines = [f"# Bake-off: {exp.name}", ""]
    what = f"{p.kind} problem, target `{p.target}`"
    if p.horizon_weeks:
        what += f", holdout horizon {p.horizon_weeks:g} weeks"
    lines += [f"{what}; {result.n_train:,} training and {result.n_holdout:,} holdout rows from `{result.origin}`.",
              f"Seed {exp.seed}; time box {format_seconds(exp.timebox.total)} total, "
              f"{format_seconds(exp.timebox.per_candidate)} per candidate; wall time "
              f"{format_seconds(result.wall_s)}.", "", f"**{result.reason}**", ""]
    head = headers(result)
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in result.rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells(result, row)) + " |")
    lines += ["", "`*` after *vs best*: the paired bootstrap interval of the difference excludes zero.", ""]
    if result.sentences:
        lines += ["## In plain words", "", *[f"- {s}" for s in result.sentences], ""]
    lines += ["## Candidates", ""]
    for row in result.rows:
        lines += _describe(row)
    lines += ["## Cost model", "", f"{ASSUMPTION}. Price: ${exp.cost.usd_per_cpu_hour}/CPU-hour, "
              f"{exp.cost.retrains_per_month:g} retrains and {exp.cost.predictions_per_month:,.0f} predictions "
              "a month.", ""]
    env = environment()
    lines += ["## Reproducibility", "", f"Python {env['python']} on {env['platform']}; "
              + ", ".join(f"{k} {v}" for k, v in env["packages"].items() if v), ""]
    return "\n".join(lines)


def _describe(row: dict) -> list[str]:
    out = [f"### {row['name']} (rung {row['rung']}, {row['family']}) — {row['status']}", ""]
    if row.get("summary"):
        out += [row["summary"], ""]
    if row.get("message"):
        out += [f"> {row['message']}", ""]
    params = row.get("params") or {}
    sql = params.get("sql")
    rest = {k: v for k, v in params.items() if k != "sql"}
    if rest:
        out += ["```json", json.dumps(rest, indent=1, default=str)[:4000], "```", ""]
    if sql:
        out += ["```sql", sql.strip(), "```", ""]
    return out
