"""Demo pack and model export from a finished run folder.

``demo``: a handful of real holdout rows (typical, best and worst cases for a
candidate) with features, prediction and actual, as ``demo.csv`` and a section of
the reports. ``export``: what production needs — the pickled model (or the SQL of a
rule), the feature SQL, and a model card.
"""

from __future__ import annotations

import json
import shutil
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bakeoff.errors import DataError, did_you_mean
from bakeoff.row import Row
from bakeoff.sqlfiles import sql_root

DEMO_MARK = "<h2>Reproducibility</h2>"


def run_folder(run: str | Path, db: Path | None = None) -> Path:
    """A run folder from a path or a run-history id."""
    path = Path(run)
    if (path / "results.json").is_file():
        return path
    from bakeoff.store import DEFAULT_DB, _connect, resolve

    db = db or DEFAULT_DB
    run_id = resolve(str(run), db)
    con = _connect(db, read_only=True)
    try:
        out = con.execute("SELECT out_dir FROM runs WHERE run_id = ?", [run_id]).fetchone()[0]
    finally:
        con.close()
    if not out or not (Path(out) / "results.json").is_file():
        raise DataError(f"Run '{run_id}' has no run folder at '{out}'.")
    return Path(out)


def _load(folder: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    results = json.loads((folder / "results.json").read_text())
    table = folder / "holdout.parquet"
    if not table.is_file():
        raise DataError(f"'{folder}' has no holdout.parquet (written by bakeoff >= 0.1 runs).")
    return results, pd.read_parquet(table)


def _pick(results: dict[str, Any], candidate: str | None) -> Row:
    rows = [Row.from_record(c) for c in results["candidates"]]
    ok = {r.name: r for r in rows if r.ok}
    name = candidate or results.get("chosen")
    if name not in ok:
        raise DataError(f"Candidate '{name}' has no OK result in this run; expected one of {', '.join(ok)}."
                        f"{did_you_mean(str(name), ok)}")
    return ok[name]


def demo(run: str | Path, candidate: str | None = None, n: int = 3) -> pd.DataFrame:
    """Write ``demo.csv`` (and a report section): ``n`` typical, best and worst holdout rows."""
    folder = run_folder(run)
    results, table = _load(folder)
    cand = _pick(results, candidate)
    pred = table[f"pred:{cand.name}"]
    err = (pred - table["actual"]).abs()
    order = err.sort_values(kind="stable").index
    mid = len(order) // 2
    picks = [("best", order[:n]), ("typical", order[max(0, mid - n // 2): max(0, mid - n // 2) + n]),
             ("worst", order[::-1][:n])]
    feats = [c for c in table.columns if not c.startswith("pred:") and c != "actual"][:12]
    rows = []
    for case, idx in picks:
        part = table.loc[idx, feats].copy()
        part.insert(0, "case", case)
        part["prediction"], part["actual"], part["abs_error"] = pred.loc[idx], table.loc[idx, "actual"], err[idx]
        rows.append(part)
    out = pd.concat(rows)
    out.to_csv(folder / "demo.csv")
    _add_to_reports(folder, out, cand.name)
    return out


def _add_to_reports(folder: Path, demo_rows: pd.DataFrame, name: str) -> None:
    title = f"Demo: {name} on real holdout rows (best, typical, worst)"
    md = folder / "report.md"
    text = md.read_text().split("\n## Demo:")[0]
    md.write_text(text.rstrip() + f"\n\n## {title}\n\n" + _md_table(demo_rows) + "\n")
    html = folder / "report.html"
    page = html.read_text()
    start = page.find("<h2>Demo:")
    if start != -1:
        page = page[:start] + page[page.index(DEMO_MARK, start):]
    section = f"<h2>{escape(title)}</h2>" + demo_rows.to_html(float_format=lambda x: f"{x:.4g}")
    html.write_text(page.replace(DEMO_MARK, section + DEMO_MARK, 1))


def _md_table(df: pd.DataFrame) -> str:
    cols = [str(df.index.name or "key"), *map(str, df.columns)]

    def fmt(v: Any) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for i, row in zip(df.index, df.to_numpy(), strict=True):
        lines.append("| " + " | ".join(fmt(v) for v in (i, *row)) + " |")
    return "\n".join(lines)


def export(run: str | Path, candidate: str, to: str | Path) -> Path:
    """Write the model (or rule SQL), the feature SQL and a model card into ``to``."""
    folder = run_folder(run)
    results, _ = _load(folder)
    cand = _pick(results, candidate)
    dest = Path(to)
    dest.mkdir(parents=True, exist_ok=True)
    params = cand.params or {}
    if params.get("sql"):
        (dest / f"{cand.name}.sql").write_text(params["sql"].strip() + "\n")
    model = folder / "models" / f"{cand.name}.pkl"
    if model.is_file():
        shutil.copyfile(model, dest / "model.pkl")
    elif not params.get("sql"):
        raise DataError(f"Candidate '{cand.name}' has no saved model in '{folder}/models'.")
    if results["problem"]["kind"] == "customer_base":
        (dest / "features").mkdir(exist_ok=True)
        for sql in sorted((sql_root() / "features").glob("*.sql")):
            shutil.copyfile(sql, dest / "features" / sql.name)
    (dest / "MODEL_CARD.md").write_text(model_card(results, cand))
    return dest


def model_card(results: dict[str, Any], cand: Row) -> str:
    """A short Markdown model card."""
    p, d = results["problem"], results["data"]
    metrics = ", ".join(f"{k} {v:.4g}" for k, v in (cand.metrics or {}).items() if isinstance(v, int | float)
                        and np.isfinite(v))
    cost = cand.cost
    assert cost is not None and cand.fit_s is not None and cand.predict_ms_per_1k is not None
    return "\n".join([
        f"# Model card: {cand.name} ({results['experiment']})", "",
        f"- Candidate: {cand.name}, rung {cand.rung} ({cand.family}): {cand.summary}",
        f"- Problem: {p['kind']}, target `{p['target']}`, key `{p['key']}`"
        + (f", horizon {p['horizon_weeks']:g} weeks" if p.get("horizon_weeks") else ""),
        f"- Data: {d['origin']}; {d['n_train']:,} training rows, {d['n_holdout']:,} holdout rows; "
        f"data hash {results.get('data_hash', '')}",
        f"- Holdout metrics: {metrics}",
        f"- 95% CI of {results['primary_metric']}: {cand.ci_low} – {cand.ci_high}",
        f"- Cost: ${cost.train_usd:.4g} per retrain, ${cost.per_million_predictions_usd:.4g} per million "
        f"predictions, ${cost.monthly_usd:.4g} a month",
        f"- Fit {cand.fit_s:.3g}s, predict {cand.predict_ms_per_1k:.3g} ms per 1k rows, "
        f"{cand.model_kb or 0:.0f} KB",
        f"- Seed {results['seed']}; created {results['created']}; chosen: {results['chosen'] == cand.name}",
        "", "Load with `pickle.load(open('model.pkl', 'rb'))` (needs `bakeoff` installed); predict with "
        "`model.predict(frame)` on a frame built by `bakeoff.runner.prepare`; SQL rules run as written against "
        "tables `train` and `holdout`.", ""])
