"""report.html: one self-contained file (inline SVG, inline CSS, no network) for the sprint demo."""

from __future__ import annotations

import hashlib
import json
from html import escape
from typing import Any

from bakeoff.cost import ASSUMPTION
from bakeoff.durations import format_seconds
from bakeoff.report import plots
from bakeoff.report.format import cells, headers, shown_rows
from bakeoff.result import Result, environment
from bakeoff.row import Row, Status

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1200px;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:13px;margin:.5em 0} td,th{border:1px solid #ddd;padding:3px 7px}
th{background:#f4f4f4} tr.chosen td{background:#fff3c4;font-weight:600} tr.bad td{color:#a33}
.choice{background:#eef6ee;border-left:5px solid #3a3;padding:.6em 1em;font-size:16px}
.warn{background:#fff4e5;border-left:5px solid #f90;padding:.4em 1em}
pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:12px} .muted{color:#777;font-size:12px}
.plots svg{max-width:100%;height:auto} details{margin:.4em 0}
"""


def config_hash(result: Result) -> str:
    """Hash of the validated experiment (what makes two runs comparable)."""
    text = result.experiment.model_dump_json(exclude={"path"})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def render_html(result: Result) -> str:
    """The whole report."""
    exp, p = result.experiment, result.problem
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Bake-off: {escape(exp.name)}</title>"
             f"<style>{CSS}</style></head><body>", f"<h1>Bake-off: {escape(exp.name)}</h1>",
             f"<p class='muted'>{escape(p.kind)} problem, target <b>{escape(p.target)}</b>; "
             f"{result.n_train:,} training and {result.n_holdout:,} holdout rows from {escape(result.origin)}; "
             f"seed {exp.seed}; box {format_seconds(exp.timebox.total)}; wall {format_seconds(result.wall_s)}.</p>",
             f"<p class='choice'>{escape(result.reason)}</p>", _table(result)]
    if result.leakage:
        parts += ["<h2>Leakage warnings</h2>"] + [f"<p class='warn'>⚠ {escape(w)}</p>" for w in result.leakage]
    if result.sentences:
        parts += ["<h2>In plain words</h2><ul>"] + [f"<li>{escape(s)}</li>" for s in result.sentences] + ["</ul>"]
    parts += [_plots(result), _segments(result), "<h2>Candidates</h2>"]
    parts += [_candidate(r) for r in shown_rows(result)[0]]
    parts += [_footer(result), "</body></html>"]
    return "\n".join(parts)


def _table(result: Result) -> str:
    rows, note = shown_rows(result)
    out = ["<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers(result)) + "</tr>"]
    for r in rows:
        cls = "chosen" if r.name == result.chosen else ("bad" if r.status in (Status.FAILED, Status.TIMEOUT) else "")
        out.append(f"<tr class='{cls}'>" + "".join(f"<td>{escape(c)}</td>" for c in cells(result, r)) + "</tr>")
    out.append("</table>")
    out.append("<p class='muted'>* after <i>vs best</i>: the paired bootstrap interval of the difference excludes "
               f"zero. Cost model: {escape(ASSUMPTION)}. {escape(note)}</p>")
    return "\n".join(out)


def _plots(result: Result) -> str:
    figs = [plots.frontier(result), plots.fit_times(result), plots.calibration(result)]
    body = "".join(f"<div>{plots.svg(f)}</div>" for f in figs if f is not None)
    return f"<h2>Pictures</h2><div class='plots'>{body}</div>"


def _segments(result: Result) -> str:
    seg = result.segments
    if seg is None or seg.empty:
        return ""
    wide = seg.pivot_table(index=["column", "value", "n"], columns="candidate", values=result.primary, sort=False)
    names = [r.name for r in result.rows if r.name in wide.columns]
    out = ["<h2>Segments</h2><table><tr><th>segment</th><th>n</th>"
           + "".join(f"<th>{escape(n)}</th>" for n in names) + "</tr>"]
    for (col, value, n), row in wide.iterrows():
        out.append(f"<tr><td>{escape(str(col))} = {escape(str(value))}</td><td>{n:,}</td>"
                   + "".join(f"<td>{row[c]:.4g}</td>" for c in names) + "</tr>")
    out.append("</table>")
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
    out = ["<table><tr>" + "".join(f"<th>{escape(c)}</th>" for c in cols) + "</tr>"]
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{escape(_fmt(r.get(c)))}</td>" for c in cols) + "</tr>")
    return "".join(out) + "</table>"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "" if v is None else str(v)


def _footer(result: Result) -> str:
    env = environment()
    pkgs = ", ".join(f"{k} {v}" for k, v in env["packages"].items() if v)
    return (f"<h2>Reproducibility</h2><p class='muted'>config hash {config_hash(result)} · data hash "
            f"{escape(result.data_hash)} · seed {result.experiment.seed} · Python {env['python']} · {escape(pkgs)}"
            f" · {escape(env['platform'])}, {env['cpu']['count']} CPUs · created {escape(result.created)}</p>")
