"""Write results.json, tradeoff.csv and report.md into a run folder, atomically.

Files are written into a hidden sibling folder which is renamed into place at the
end, so a crash never leaves a half-written run folder behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

from bakeoff.core.defaults import RUNS
from bakeoff.report.html import render_html
from bakeoff.report.markdown import markdown
from bakeoff.report.result import Result


def default_out(result: Result) -> Path:
    """``runs/<name>/<UTC timestamp>/`` under the current folder."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return RUNS / result.experiment.name / stamp


def write_outputs(result: Result, out: str | Path | None) -> Path:
    """Write the run's files and return the folder."""
    final = Path(out) if out else default_out(result)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        _write_artifacts(result, tmp)
        result.table.to_csv(tmp / "tradeoff.csv")
        _update_wall(result)
        (tmp / "report.md").write_text(markdown(result), encoding="utf-8")
        (tmp / "report.html").write_text(render_html(result), encoding="utf-8")
        _update_wall(result)  # results.json last: its wall_s covers everything but the history record
        (tmp / "results.json").write_text(json.dumps(result.to_dict(), indent=2, default=str) + "\n")
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _update_wall(result: Result) -> None:
    if result.started_at is not None:
        result.wall_s = time.monotonic() - result.started_at


def _write_artifacts(result: Result, folder: Path) -> None:
    """``holdout.parquet`` (features, actual, one prediction column per candidate) and ``models/*.pkl``."""
    if result.holdout is not None and result.holdout_y is not None:
        table = result.holdout.copy()
        table["actual"] = result.holdout_y
        for name, pred in result.predictions.items():
            table[f"pred:{name}"] = pred
        table.to_parquet(folder / "holdout.parquet")
    if result.train is not None and any((r.params or {}).get("sql") for r in result.rows if r.ok):
        result.train.to_parquet(folder / "train.parquet")  # the table SQL rules read, for export
    if result.models:
        (folder / "models").mkdir()
        for name, blob in result.models.items():
            (folder / "models" / f"{name}.pkl").write_bytes(blob)
