"""HTML report, run history and compare, demo pack, export (reloaded and checked against the holdout)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from bakeoff import prepare, run
from bakeoff.candidates.modelfile import load_model
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.export.pack import demo, export
from bakeoff.store.history import compare, history

RAW = {"experiment": {"name": "bc"}, "data": {"builtin": "breast_cancer"},
       "problem": {"kind": "binary", "target": "benign", "key": "row_id"}, "score": {"bootstrap": 50},
       "ladder": {"include": ["mean", "sql_quantile_buckets", "glm", "decision_tree", "xgboost"]},
       "candidate": [{"name": "sql_quantile_buckets", "family": "sql", "file": "rules/quantile_buckets.sql",
                      "feature": "worst_radius"}]}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    db = base / "history.duckdb"
    a = run(experiment_from_dict(RAW), out=base / "a", history=db, checkpoint_dir=base / "ck")
    raw_b = {**RAW, "ladder": {"include": ["mean", "glm", "decision_tree", "xgboost", "hist_gbm"]}, "candidate": []}
    b = run(experiment_from_dict(raw_b), out=base / "b", history=db, checkpoint_dir=base / "ck")
    return a, b, db


def test_html_report_is_self_contained(two_runs):
    a, _, _ = two_runs
    page = (a.out_dir / "report.html").read_text()
    assert page.count("<svg") >= 3  # frontier, fit times, calibration
    assert "class='chosen'" in page and "config hash" in page and a.data_hash in page
    assert "src=\"http" not in page and "src='http" not in page and "<link" not in page  # nothing fetched
    assert "quantile_cont" in page  # the rule's SQL text is shown


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_html_report_renders_in_headless_chromium(two_runs, tmp_path):
    a, _, _ = two_runs
    shot = tmp_path / "report.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=1280,2000", (a.out_dir / "report.html").as_uri()],
                   capture_output=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 50_000


def test_history_and_compare(two_runs):
    a, b, db = two_runs
    runs = history("bc", db)
    assert list(runs["run_id"]) == [b.run_id, a.run_id] or set(runs["run_id"]) == {a.run_id, b.run_id}
    rows, notes = compare(a.run_id, b.run_id, db)
    changes = dict(zip(rows["candidate"], rows["change"], strict=True))
    assert changes["hist_gbm"] == "new" and changes["sql_quantile_buckets"] == "removed"
    glm = rows.set_index("candidate").loc["glm"]
    assert glm["delta"] == pytest.approx(0.0)  # same seed, same split, same model
    assert any("chosen candidate" in n for n in notes)


def test_demo_pack(two_runs):
    a, _, _ = two_runs
    out = demo(a.out_dir, "glm", per_case=2)
    assert list(out["case"]) == ["best", "best", "typical", "typical", "worst", "worst"]
    assert (out["abs_error"].iloc[:2] <= out["abs_error"].iloc[-2:].min()).all()
    assert (a.out_dir / "demo.csv").is_file()
    assert "Demo: glm" in (a.out_dir / "report.html").read_text()


@pytest.mark.parametrize("name", ["glm", "xgboost", "decision_tree"])
def test_export_reproduces_holdout_predictions(two_runs, tmp_path, name):
    a, _, _ = two_runs
    dest = export(a.out_dir, name, tmp_path / name)
    model = load_model((dest / "model.pkl").read_bytes())
    frame, _ = prepare(experiment_from_dict(RAW))
    pred = model.predict(frame.without_truth()).to_numpy(float)
    stored = pd.read_parquet(a.out_dir / "holdout.parquet")[f"pred:{name}"].to_numpy()
    assert np.allclose(pred, stored, rtol=1e-9, atol=1e-12)
    assert "Holdout metrics" in (dest / "MODEL_CARD.md").read_text()


def test_export_sql_rule(two_runs, tmp_path):
    a, _, _ = two_runs
    dest = export(a.out_dir, "sql_quantile_buckets", tmp_path / "rule")
    assert '"worst_radius"' in (dest / "sql_quantile_buckets.sql").read_text()


def test_results_json_has_no_model_bytes(two_runs):
    a, _, _ = two_runs
    doc = json.loads((a.out_dir / "results.json").read_text())
    assert all("model" not in c for c in doc["candidates"]) and doc["data_hash"] == a.data_hash


def test_cli_history_and_compare(two_runs):
    a, b, db = two_runs
    proc = subprocess.run([sys.executable, "-m", "bakeoff.cli", "compare", "bc:previous", "bc:latest", "--db",
                           str(db)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "hist_gbm" in proc.stdout, proc.stderr


def test_notebook_repr_and_plot(two_runs):
    a, _, _ = two_runs
    html = a._repr_html_()
    assert "<table" in html and "<svg" in html
    fig = a.plot()
    assert fig.axes[0].get_xscale() == "log"
