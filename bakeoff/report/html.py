"""report.html: one self-contained file (inline SVG, inline CSS, no network) for the sprint demo."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from bakeoff.core.durations import format_seconds
from bakeoff.core.records import Row
from bakeoff.cost.model import ASSUMPTION, upkeep_text
from bakeoff.data.drift import drift_lines
from bakeoff.report import plots, sections, tradeoff_html, words
from bakeoff.report.format import footnote, shown_rows
from bakeoff.report.headline import decision, evidence
from bakeoff.report.result import Result, environment

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;padding:1em 1.2em;
max-width:1200px;color:#222;line-height:1.45;overflow-wrap:anywhere}
h1{margin:.2em 0;font-size:1.7em} h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}
table{border-collapse:collapse;font-size:13px;margin:.5em 0} td,th{border:1px solid #ddd;padding:3px 7px}
:not(.scroll)>table{display:block;overflow-x:auto;max-width:100%}
th{background:#f4f4f4;white-space:nowrap} td{white-space:nowrap}
tr.chosen td{background:#fff3c4;font-weight:600} tr.bad td{color:#a33}
.choice{background:#eef6ee;border-left:5px solid #3a3;padding:.6em 1em;font-size:1.1em}
.headline{font-size:1.05em} .evidence{color:#555;font-size:.92em;margin-top:-.4em} .summary li{margin:.25em 0}
.warn{background:#fff4e5;border-left:5px solid #f90;padding:.4em 1em}
pre{background:#f7f7f7;padding:.6em;overflow-x:auto;max-width:100%;font-size:12px;overflow-wrap:normal}
.muted{color:#777;font-size:12px}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,560px),1fr));gap:1em}
.plot{overflow-x:auto;min-width:0} .plot svg{width:100%;min-width:560px;height:auto;display:block}
.plots-hint{display:none} details{margin:.4em 0} dl.gloss dt{font-weight:600} dl.gloss dd{margin:0 0 .4em 1em}
@media (max-width:600px){body{padding:.6em} h1{font-size:1.35em} table{font-size:12px}
.choice{font-size:1em} .plots-hint{display:block;text-align:right}}
""" + tradeoff_html.CSS


def render_html(result: Result) -> str:
    """The whole report."""
    exp, p = result.experiment, result.problem
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             "<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>Bake-off: {escape(exp.name)}</title>"
             f"<style>{CSS}</style></head><body>", f"<h1>Bake-off: {escape(exp.name)}</h1>",
             f"<p class='choice'><b>{escape(decision(result))}</b></p>",
             f"<p class='evidence'>{escape(evidence(result))}</p>",
             "<details><summary>The choice rule in full</summary>"
             f"<p>{escape(result.reason)}</p></details>",
             f"<p class='muted'>{escape(p.kind)} problem, target <b>{escape(p.target)}</b>; "
             f"{result.n_train:,} training and {result.n_holdout:,} holdout rows from {escape(result.origin)}; "
             f"seed {exp.seed}; box {format_seconds(exp.timebox.total)}; wall {format_seconds(result.wall_s)}; "
             f"{result.workers} candidate(s) at a time, each single-threaded (CPU time is per candidate).</p>",
             *[f"<p class='muted'>{escape(n)}</p>" for n in result.scale_notes()],
             _words(result), _table(result)]
    if result.leakage:
        parts += ["<h2>Leakage warnings</h2>"] + [f"<p class='warn'>⚠ {escape(w)}</p>" for w in result.leakage]
    if result.drift or result.notes:
        parts += ["<h2>Data checks and drift</h2>"] + [f"<p class='muted'>{escape(n)}</p>" for n in result.notes]
        parts += [f"<p class='warn'>⚠ {escape(line)}</p>" for line in drift_lines(result.drift, most=30)]
    parts += [_plots(result), _glossary(result), _segments(result), "<h2>Candidates</h2>"]
    parts += [_candidate(r) for r in shown_rows(result)[0]]
    parts += [_footer(result), "</body></html>"]
    return "\n".join(parts)


def _words(result: Result) -> str:
    """What the metric means, three summary sentences, the notes on what was scored, every comparison folded."""
    out = [f"<p class='headline'>{escape(words.meaning(result))}</p><ul class='summary'>"]
    out += [f"<li>{escape(s)}</li>" for s in words.summary(result)] + ["</ul>"]
    out += [f"<p class='muted'>{escape(n)}</p>" for n in words.problem_notes(result)]
    if result.sentences:
        out += [f"<details><summary>All {len(result.sentences)} comparisons in plain words</summary><ul>"]
        out += [f"<li>{escape(s)}</li>" for s in result.sentences] + ["</ul></details>"]
    return "\n".join(out)


def _glossary(result: Result) -> str:
    items = words.glossary(result)
    if not items:
        return ""
    body = "".join(f"<dt>{escape(fam)}</dt><dd>{escape(text)}</dd>" for fam, text in items)
    return f"<h2>What the candidates are</h2><dl class='gloss'>{body}</dl>"


def _table(result: Result) -> str:
    note = shown_rows(result)[1]
    out = [tradeoff_html.tradeoff(result)]
    upkeep = upkeep_text(result.experiment.cost)
    out.append(f"<p class='muted'>{escape(footnote(result))} Cost model: {escape(ASSUMPTION)}.{escape(upkeep)} "
               f"{escape(note)}</p>")
    if result.value is not None:
        out.append(f"<p class='muted'>{escape(result.value.summary())}</p>")
    return "\n".join(out)


def _plots(result: Result) -> str:
    figs = [(plots.frontier(result), plots.hover_titles(result)),
            (plots.value_frontier(result), plots.value_hover(result)),
            (plots.value_curves(result), None), (plots.fit_times(result), None), (plots.calibration(result), None)]
    body = "".join(f"<div class='plot'>{plots.svg(f, titles)}</div>" for f, titles in figs if f is not None)
    return ("<h2>Pictures</h2><p class='muted plots-hint'>On a narrow screen each picture scrolls sideways →</p>"
            f"<div class='plots'>{body}</div>")


def _segments(result: Result) -> str:
    seg = result.segments
    if seg is None or seg.empty:
        return ""
    wide = seg.pivot_table(index=["column", "value", "n"], columns="candidate", values=result.primary, sort=False)
    names = [r.name for r in result.rows if r.name in wide.columns]
    out = ["<h2>Segments</h2><div class='scroll'><table><tr><th>segment</th><th>n</th>"
           + "".join(f"<th>{escape(n)}</th>" for n in names) + "</tr>"]
    for (col, value, n), row in wide.iterrows():
        out.append(f"<tr><td>{escape(str(col))} = {escape(str(value))}</td><td>{n:,}</td>"
                   + "".join(f"<td>{row[c]:.4g}</td>" for c in names) + "</tr>")
    out.append("</table></div>")
    out += [f"<p class='warn'>{escape(s)}</p>" for s in result.segment_notes]
    return "\n".join(out)


def _candidate(row: Row) -> str:
    head = f"{escape(row.name)} — rung {row.rung}, {escape(row.family)}, {escape(row.status.value)}"
    body = [f"<p>{escape(row.summary or '')}</p>"]
    if row.message:
        body.append(f"<p class='warn'>{escape(row.message)}</p>")
    body += [_param_block(k, v) for k, v in (row.params or {}).items()]
    if row.warnings:
        body.append("<p class='muted'>Warnings: " + escape("; ".join(row.warnings)) + "</p>")
    return f"<details><summary><b>{head}</b></summary>{''.join(body)}</details>"


def _param_block(key: str, value: Any) -> str:
    if key == "sql":
        return f"<pre>{escape(str(value).strip())}</pre>"
    if isinstance(value, dict) and "coefficients" in value:
        return f"<p><b>{escape(key)}</b>: {escape(str(value.get('fit', '')))}</p>" + _records(value["coefficients"])
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return f"<p><b>{escape(key)}</b></p>" + _records(value[:100])
    return f"<p><b>{escape(key)}</b></p><pre>{escape(json.dumps(value, indent=1, default=str)[:3000])}</pre>"


def _records(rows: list[dict[str, Any]]) -> str:
    cols = list(dict.fromkeys(k for r in rows for k in r))
    out = ["<div class='scroll'><table><tr>" + "".join(f"<th>{escape(c)}</th>" for c in cols) + "</tr>"]
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{escape(_fmt(r.get(c)))}</td>" for c in cols) + "</tr>")
    return "".join(out) + "</table></div>"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def _footer(result: Result) -> str:
    env = environment()
    pkgs = ", ".join(f"{k} {v}" for k, v in env["packages"].items() if v)
    return sections.html(sections.FOOTER, (
        f"<h2>Reproducibility</h2><p class='muted'>config hash {result.experiment.fingerprint()} · data hash "
        f"{escape(result.data_hash)} · seed {result.experiment.seed} · Python {env['python']} · {escape(pkgs)}"
        f" · {escape(env['platform'])}, {env['cpu']['count']} CPUs · created {escape(result.created)}</p>"))
