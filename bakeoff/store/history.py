"""Run history in an embedded DuckDB file (default ``runs/bakeoff.duckdb``).

Each run is one row in ``runs`` and one row per candidate in ``candidates``, both
written in a single transaction: a crash mid-write never leaves a half-recorded run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from bakeoff.core.defaults import DEFAULT_DB
from bakeoff.core.errors import BakeoffError, DataError
from bakeoff.core.jsonable import plain
from bakeoff.core.records import Row, column_types, label_of
from bakeoff.report.result import Result

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, experiment VARCHAR, created VARCHAR, seed INTEGER, config_hash VARCHAR,
    data_hash VARCHAR, primary_metric VARCHAR, chosen VARCHAR, reason VARCHAR, wall_s DOUBLE, out_dir VARCHAR,
    results JSON);
CREATE TABLE IF NOT EXISTS candidates (run_id VARCHAR, name VARCHAR);
CREATE TABLE IF NOT EXISTS profiles (run_id VARCHAR, experiment VARCHAR, created VARCHAR, profile JSON);
"""
SQL_TYPES = {str: "VARCHAR", int: "INTEGER", float: "DOUBLE", bool: "BOOLEAN"}
RENAMED = {"primary": "metric"}  # the table's "primary" column is "metric" in the history


def candidate_columns() -> dict[str, str]:
    """The history table's candidate columns and their DuckDB types, from the row's table fields."""
    return {RENAMED.get(k, k): SQL_TYPES[t] for k, t in column_types().items()}


def connect(db: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the run history (created, and its candidates table brought up to the row's columns, unless read-only)."""
    if read_only and not db.is_file():
        raise DataError(f"No run history at '{db}'; run a bake-off first.")
    db.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db), read_only=read_only)
    except duckdb.Error as exc:
        raise BakeoffError(f"Cannot open run history '{db}': {str(exc).splitlines()[0]}") from None
    if not read_only:
        con.execute(SCHEMA)
        have = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                         "WHERE table_name = 'candidates'").fetchall()}
        for name, sql_type in candidate_columns().items():
            if name not in have:  # a field added to the row since this history file was created
                con.execute(f'ALTER TABLE candidates ADD COLUMN "{name}" {sql_type}')
    return con


def record(result: Result, db: Path = DEFAULT_DB) -> str:
    """Store a finished run; returns its run id (``<experiment>/<folder name>``)."""
    folder = result.out_dir.name if result.out_dir else result.created.replace(":", "")
    run_id = f"{result.experiment.name}/{folder}"
    con = connect(db)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM candidates WHERE run_id = ?", [run_id])
        con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
        con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            run_id, result.experiment.name, result.created, result.experiment.seed, result.experiment.fingerprint(),
            result.data_hash, result.primary, result.chosen, result.reason, result.wall_s,
            str(result.out_dir or ""), json.dumps(result.to_dict(), default=str)])
        cols = list(candidate_columns())
        names = ", ".join(f'"{c}"' for c in ["run_id", *cols])
        con.executemany(f"INSERT INTO candidates ({names}) VALUES ({', '.join('?' * (len(cols) + 1))})",
                        [[run_id, *_values(r, result)] for r in result.rows])
        con.execute("DELETE FROM profiles WHERE run_id = ?", [run_id])
        if result.profile:
            con.execute("INSERT INTO profiles VALUES (?, ?, ?, ?)", [
                run_id, result.experiment.name, result.created, json.dumps(result.profile, default=float)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return run_id


def _values(row: Row, result: Result) -> list[Any]:
    flat = row.flat(result.primary, result.chosen)
    return [plain(flat[k], finite=True) for k in column_types()]


def out_dir_of(run_id: str, db: Path = DEFAULT_DB) -> str | None:
    """The run folder recorded for ``run_id`` (None when the run was not written to a folder)."""
    con = connect(db, read_only=True)
    try:
        found = con.execute("SELECT out_dir FROM runs WHERE run_id = ?", [run_id]).fetchone()
    finally:
        con.close()
    return found[0] if found else None


def previous_profile(experiment: str, db: Path = DEFAULT_DB) -> tuple[str, dict[str, Any]] | None:
    """The run id and data profile of the latest recorded run of ``experiment`` (None without one)."""
    if not db.is_file():
        return None
    con = connect(db, read_only=True)
    try:
        row = con.execute("SELECT run_id, profile FROM profiles WHERE experiment = ? "
                          "ORDER BY created DESC, run_id DESC LIMIT 1", [experiment]).fetchone()
    except duckdb.CatalogException:
        return None  # a history written before profiles were stored
    finally:
        con.close()
    return (row[0], json.loads(row[1])) if row else None


def history(experiment: str | None = None, db: Path = DEFAULT_DB) -> pd.DataFrame:
    """Runs, newest first (optionally of one experiment)."""
    con = connect(db, read_only=True)
    try:
        sql = ("SELECT r.run_id, r.created, r.seed, r.primary_metric, r.chosen, c.metric AS chosen_metric, "
               "r.wall_s, r.results FROM runs r LEFT JOIN candidates c ON c.run_id = r.run_id AND c.chosen "
               + ("WHERE r.experiment = ? " if experiment else "") + "ORDER BY r.created DESC, r.run_id DESC")
        df = con.execute(sql, [experiment] if experiment else []).df()
    finally:
        con.close()
    # a champion names the model it keeps (runs recorded without results keep the bare name)
    df["chosen"] = [chosen_label(doc) or name for doc, name in zip(df.pop("results"), df["chosen"], strict=True)]
    return df


def chosen_label(results: str | dict[str, Any] | None) -> str | None:
    """The chosen candidate's name for people (:func:`bakeoff.core.records.label_of`), from a run's ``results.json``."""
    doc = json.loads(results) if isinstance(results, str) else (results or {})
    chosen = doc.get("chosen")
    row = next((c for c in doc.get("candidates", []) if c.get("name") == chosen), None)
    return label_of(chosen, row.get("family"), row.get("params")) if row and chosen else chosen


def resolve(run: str, db: Path = DEFAULT_DB) -> str:
    """A full run id from an id, a unique suffix, or ``latest`` / ``previous`` (optionally ``name:latest``)."""
    con = connect(db, read_only=True)
    try:
        ids = [r[0] for r in con.execute("SELECT run_id FROM runs ORDER BY created DESC, run_id DESC").fetchall()]
    finally:
        con.close()
    exp, _, which = run.rpartition(":") if ":" in run else ("", "", run)
    pool = [i for i in ids if not exp or i.startswith(exp + "/")]
    if which in ("latest", "previous"):
        k = 0 if which == "latest" else 1
        if len(pool) <= k:
            raise DataError(f"Run history has no '{run}' run ({len(pool)} runs recorded).")
        return pool[k]
    hits = [i for i in ids if i == run or i.endswith(run)]
    if len(hits) != 1:
        raise DataError(f"Run '{run}' {'is ambiguous' if hits else 'is not in the history'}; "
                        f"recent runs: {', '.join(ids[:5]) or 'none'}.")
    return hits[0]


def compare(run_a: str, run_b: str, db: Path = DEFAULT_DB, *, force: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Per-candidate changes from run A to run B, and sentences about what changed.

    Args:
        run_a: The earlier run (id, unique suffix, or ``[experiment:]previous``).
        run_b: The later run.
        db: The run history.
        force: Compare runs of different experiments anyway (a note says so).

    Raises:
        DataError: If a run is not in the history, or the runs are of different experiments and not ``force``.
    """
    a, b = resolve(run_a, db), resolve(run_b, db)
    con = connect(db, read_only=True)
    try:
        meta = {r[0]: (chosen_label(r[3]) or r[1], r[2], r[4]) for r in con.execute(
            "SELECT run_id, chosen, primary_metric, results, experiment FROM runs WHERE run_id IN (?, ?)",
            [a, b]).fetchall()}
        notes = _experiment_notes(a, b, meta, force)
        rows = con.execute("""
            SELECT coalesce(x.name, y.name) AS candidate, x.status AS status_a, y.status AS status_b,
                   x.metric AS metric_a, y.metric AS metric_b, y.metric - x.metric AS delta,
                   x.monthly_usd AS usd_a, y.monthly_usd AS usd_b,
                   CASE WHEN x.name IS NULL THEN 'new' WHEN y.name IS NULL THEN 'removed'
                        WHEN x.status <> y.status THEN 'status changed' ELSE '' END AS change
            FROM (SELECT * FROM candidates WHERE run_id = ?) x
            FULL OUTER JOIN (SELECT * FROM candidates WHERE run_id = ?) y ON x.name = y.name
            ORDER BY coalesce(y.rung, x.rung), candidate""", [a, b]).df()
    finally:
        con.close()
    if meta[a][0] != meta[b][0]:
        notes.append(f"The chosen candidate changed: {meta[a][0]} → {meta[b][0]}.")
    else:
        notes.append(f"The chosen candidate is still {meta[b][0]}.")
    notes += [f"{r.candidate}: {r.change}" for r in rows.itertuples() if r.change]
    return rows, notes


def _experiment_notes(run_a: str, run_b: str, meta: dict[str, tuple[Any, ...]], force: bool) -> list[str]:
    """The first sentences of a comparison; refuses runs of different experiments unless ``force``."""
    (_, metric_a, exp_a), (_, metric_b, exp_b) = meta[run_a], meta[run_b]
    if exp_a == exp_b:
        return [f"Comparing {run_a} → {run_b} on {metric_b}."]
    if not force:
        raise DataError(f"Runs '{run_a}' (experiment '{exp_a}') and '{run_b}' (experiment '{exp_b}') are of "
                        f"different experiments, so their candidates' metrics do not compare; name two runs of "
                        f"one experiment (e.g. {exp_b}:previous {exp_b}:latest), or add --force to compare anyway.")
    metrics = metric_b if metric_a == metric_b else f"{metric_a} → {metric_b}"
    return [f"Comparing {run_a} → {run_b} on {metrics}.",
            f"These are runs of different experiments ({exp_a} → {exp_b}): their metrics are on different data."]


def run_folder(run: str | Path, db: Path | None = None) -> Path:
    """A run folder from a path or a run-history id."""
    path = Path(run)
    if (path / "results.json").is_file():
        return path
    db = db or DEFAULT_DB
    run_id = resolve(str(run), db)
    out = out_dir_of(run_id, db)
    if not out or not (Path(out) / "results.json").is_file():
        raise DataError(f"Run '{run_id}' has no run folder at '{out}'.")
    return Path(out)
