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

from bakeoff.core.errors import BakeoffError, DataError, did_you_mean
from bakeoff.core.records import Row
from bakeoff.data.coltypes import as_numbers, column_kinds
from bakeoff.export.deploy import SCORE_PY, render_rule
from bakeoff.judge.front import ci_label
from bakeoff.query.files import sql_root
from bakeoff.report import sections
from bakeoff.store.history import chosen_label, run_folder


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
    if name is None:
        raise DataError(f"This run chose no candidate ({results.get('choice_reason', '')[:160]}); name one with "
                        f"--candidate, one of {', '.join(ok)}.")
    if name not in ok:
        raise DataError(f"Candidate '{name}' has no OK result in this run; expected one of {', '.join(ok)}."
                        f"{did_you_mean(str(name), ok)}")
    return ok[name]


def demo(run: str | Path, candidate: str | None = None, per_case: int = 3) -> pd.DataFrame:
    """Write ``demo.csv`` (and a report section): ``per_case`` typical, best and worst holdout rows each."""
    folder = run_folder(run)
    results, table = _load(folder)
    cand = _pick(results, candidate)
    pred = table[f"pred:{cand.name}"]
    err = (pred - table["actual"]).abs()
    order = err.sort_values(kind="stable").index
    mid = len(order) // 2
    start = max(0, mid - per_case // 2)
    picks = [("best", order[:per_case]), ("typical", order[start:start + per_case]), ("worst", order[::-1][:per_case])]
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
    """Add (or replace) the "demo" section of report.md and report.html."""
    title = f"Demo: {name} on real holdout rows (best, typical, worst)"
    md = folder / "report.md"
    md.write_text(sections.put_markdown(md.read_text(), "demo", f"## {title}\n\n" + _md_table(demo_rows)))
    html = folder / "report.html"
    body = f"<h2>{escape(title)}</h2>" + demo_rows.to_html(float_format=lambda x: f"{x:.4g}")
    html.write_text(sections.put_html(html.read_text(), "demo", body))


def _md_table(df: pd.DataFrame) -> str:
    cols = [str(df.index.name or "key"), *map(str, df.columns)]

    def fmt(value: Any) -> str:
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for i, row in zip(df.index, df.to_numpy(), strict=True):
        lines.append("| " + " | ".join(fmt(v) for v in (i, *row)) + " |")
    return "\n".join(lines)


def picked(run: str | Path, candidate: str | None = None) -> tuple[str, str]:
    """The candidate :func:`export` writes for ``candidate`` (None: the run's chosen one), and how it stands.

    Returns:
        Its name and "the chosen candidate" or "the run chose <label>" (``bakeoff export`` says which).

    Raises:
        DataError: If ``candidate`` has no OK result, or it is None and the run chose none.
    """
    results = json.loads((run_folder(run) / "results.json").read_text())
    name = _pick(results, candidate).name
    chosen = results.get("chosen")
    return name, "the chosen candidate" if name == chosen else f"the run chose {chosen_label(results) or 'none'}"


def export(run: str | Path, candidate: str | None, to: str | Path) -> Path:
    """Write what production needs to score new rows into ``to``.

    A SQL rule: ``<name>.sql`` with every placeholder filled (and the horizon scaling the
    bake-off applied), plus ``train.parquet`` (the table the rule reads). A model:
    ``model.pkl``. Always ``problem.json``, ``score.py`` (the "how to score new data"
    snippet), ``MODEL_CARD.md`` and, for customer-base problems, the feature SQL.

    Args:
        run: A run folder or run-history id.
        candidate: The candidate to export; None for the one the run chose.
        to: The destination folder (created if needed).
    """
    folder = run_folder(run)
    results, holdout = _load(folder)
    cand = _pick(results, candidate)
    dest = Path(to)
    dest.mkdir(parents=True, exist_ok=True)
    params = cand.params or {}
    features = [c for c in holdout.columns if c != "actual" and not str(c).startswith("pred:")]
    problem = {**results["problem"], "features": features, "columns": column_kinds(holdout[features])}
    if "alignment" in results["problem"]:  # runs with horizon alignment record what each candidate got
        problem["horizon_factor"] = cand.horizon_factor
    if params.get("sql"):
        _export_rule(folder, dest, cand.name, params, problem)
    else:
        model = folder / "models" / f"{cand.name}.pkl"
        if not model.is_file():
            raise DataError(f"Candidate '{cand.name}' has no saved model in '{folder}/models'.")
        shutil.copyfile(model, dest / "model.pkl")
    if results["problem"]["kind"] == "customer_base":
        (dest / "features").mkdir(exist_ok=True)
        for sql in sorted((sql_root() / "features").glob("*.sql")):
            shutil.copyfile(sql, dest / "features" / sql.name)
    (dest / "problem.json").write_text(json.dumps(problem, indent=1) + "\n")
    (dest / "score.py").write_text(SCORE_PY.replace("{key_label}", _key_label(results)))
    (dest / "MODEL_CARD.md").write_text(model_card(results, cand))
    return dest


def _export_rule(folder: Path, dest: Path, name: str, params: dict[str, Any], problem: dict[str, Any]) -> None:
    train = folder / "train.parquet"
    if not train.is_file():
        raise DataError(f"'{folder}' has no train.parquet, the table rule '{name}' reads; rerun the bake-off "
                        "with this version of bakeoff to export it.")
    native = params.get("horizon_native")
    if native is None:
        native = _header_native(params.get("file", ""))
    (dest / f"{name}.sql").write_text(render_rule(params["sql"], problem, horizon_native=bool(native)))
    as_numbers(pd.read_parquet(train)).to_parquet(dest / "train.parquet")  # yes/no as the rule reads it: 0/1


def _header_native(file: str) -> bool:
    from bakeoff.query.files import read_sql

    try:
        return read_sql(file).meta.get("horizon", "") == "native"
    except BakeoffError:
        return False


def _key_label(results: dict[str, Any]) -> str:
    p = results["problem"]
    return f"`{p['key']}`" + (f" (`{p['source_key']}` in the source data)" if p.get("source_key")
                               and p["source_key"] != p["key"] else "")


def _ci(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, int | float) and np.isfinite(value) else "n/a"


def model_card(results: dict[str, Any], cand: Row) -> str:
    """A short Markdown model card."""
    p, d = results["problem"], results["data"]
    metrics = ", ".join(f"{k} {v:.4g}" for k, v in (cand.metrics or {}).items() if isinstance(v, int | float)
                        and np.isfinite(v))
    cost = cand.cost
    assert cost is not None and cand.fit_s is not None and cand.predict_ms_per_1k is not None
    chosen = results.get("chosen")
    label = chosen_label(results)
    champion = next((c for c in results["candidates"] if c["name"] == chosen and c.get("family") == "champion"), None)
    if chosen == cand.name:
        verdict = f"yes — the run chose it ({label})" if label != chosen else "yes — the run chose it"
    elif champion is not None and (champion.get("params") or {}).get("candidate") == cand.name:
        verdict = f"yes — the run kept it as {label}"
    else:
        verdict = f"no — the run chose {label or 'none'}"
    how = (f"`{cand.name}.sql` runs in DuckDB against tables `train` (`train.parquet`) and `holdout` (your new "
           "feature rows)" if (cand.params or {}).get("sql") else "`model.pkl` (needs `bakeoff` installed)")
    return "\n".join([
        f"# Model card: {cand.name} ({results['experiment']})", "",
        f"- Candidate: {cand.name}, rung {cand.rung} ({cand.family}): {cand.summary}",
        f"- Chosen in this run: {verdict}",
        f"- Problem: {p['kind']}, target `{p['target']}`, one prediction per {_key_label(results)}"
        + (f", horizon {p['horizon_weeks']:g} weeks" if p.get("horizon_weeks") else ""),
        f"- Data: {d['origin']}; {d['n_train']:,} training rows, {d['n_holdout']:,} holdout rows; "
        f"data hash {results.get('data_hash', '')}",
        f"- Holdout metrics: {metrics}",
        f"- {ci_label(results.get('confidence', 0.95))} CI of {results['primary_metric']} (percentile bootstrap, "
        f"{results.get('bootstrap_rounds', '?')} resamples): {_ci(cand.ci_low)} to {_ci(cand.ci_high)}; in the set "
        f"of the best: {'yes' if cand.best_set else 'no'}; shortfall from the best {_ci(cand.shortfall)} "
        f"(simultaneous interval {_ci(cand.shortfall_low)} to {_ci(cand.shortfall_high)})",
        f"- Cost: ${cost.train_usd:.4g} per retrain, ${cost.per_million_predictions_usd:.4g} per million "
        f"predictions, ${cost.monthly_usd:.4g} a month",
        f"- Fit {cand.fit_s:.3g}s, predict {cand.predict_ms_per_1k:.3g} ms per 1k rows, "
        f"{cand.model_kb or 0:.0f} KB",
        f"- Seed {results['seed']}; created {results['created']}", "",
        "## How to score new data", "",
        f"The scorer is {how}. From this folder:", "", "```bash",
        "python score.py new_features.parquet predictions.csv", "```", "",
        "or in Python: `bakeoff.export.deploy.score_folder('.', new_rows)`. `new_rows` has the key and the feature "
        "columns listed in `problem.json`"
        + ("; for customer-base problems compute them from the transaction log with the SQL in `features/`."
           if p["kind"] == "customer_base" else ".")
        + " The predictions keep the key column as the new rows name it; rows without the key or a feature column "
        "are refused with one line naming the missing columns (exit code 2).", ""])
