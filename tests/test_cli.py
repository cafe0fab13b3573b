"""End to end through the installed ``bakeoff`` command, in subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

SMALL = """
[experiment]
name = "small"
seed = 1
[data]
builtin = "breast_cancer"
[problem]
kind = "binary"
target = "{target}"
key = "row_id"
[score]
bootstrap = 100
[timebox]
total = "3m"
per_candidate = "60s"
[ladder]
include = ["mean", "sql_threshold", "glm", "decision_tree", "xgboost", "slow"]
[[candidate]]
name = "slow"
family = "xgboost_tuned"
n_trials = 1000
"""


def bakeoff(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bakeoff.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_run_end_to_end(tmp_path, write_config):
    cfg = write_config(SMALL.format(target="benign").replace('per_candidate = "60s"', 'per_candidate = "8s"'))
    out = tmp_path / "out"
    proc = bakeoff("run", str(cfg), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    res = json.loads((out / "results.json").read_text())
    rows = {c["name"]: c for c in res["candidates"]}
    assert [c["name"] for c in res["candidates"]] == ["mean", "sql_threshold", "glm", "decision_tree",
                                                      "xgboost", "slow"]
    assert all(rows[n]["status"] == "OK" for n in ("mean", "sql_threshold", "glm", "decision_tree", "xgboost"))
    assert rows["mean"]["metrics"]["roc_auc"] == 0.5
    assert rows["glm"]["metrics"]["roc_auc"] > 0.95
    # the tuned candidate stops at its 8 s box: trials were cut short, the refit still happened
    assert rows["slow"]["status"] == "OK" and rows["slow"]["fit_s"] < 8.0
    assert 0 < rows["slow"]["params"]["trials"] < 1000
    for field in ("fit_s", "predict_ms_per_1k", "model_kb", "cost", "params", "rung", "family", "message"):
        assert field in rows["glm"]
    assert set(rows["glm"]["cost"]) >= {"train_usd", "per_million_predictions_usd", "monthly_usd"}
    assert {"python", "packages", "cpu"} <= set(res["environment"])
    table = pd.read_csv(out / "tradeoff.csv")
    assert len(table) == 6 and "primary" in table.columns
    assert "# Bake-off: small" in (out / "report.md").read_text()
    assert "Chose" in proc.stdout


def test_wrong_column_exits_2_with_one_line(tmp_path, write_config):
    cfg = write_config(SMALL.format(target="benigm"))
    proc = bakeoff("run", str(cfg), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "'benigm'" in lines[0] and "Did you mean 'benign'?" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_validate_and_candidates(tmp_path, write_config):
    cfg = write_config(SMALL.format(target="benign"))
    proc = bakeoff("validate", str(cfg), cwd=tmp_path)
    assert proc.returncode == 0 and "OK" in proc.stdout
    proc = bakeoff("candidates", cwd=tmp_path)
    assert proc.returncode == 0 and "pareto_nbd" in proc.stdout and "xgboost_tuned" in proc.stdout


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from bakeoff.cli import app\n"
            "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('xgboost', 'statsmodels', 'sklearn', 'pandas', 'duckdb', 'mlflow')\n"
            "         if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr


def test_parameter_typo_is_exit_2_and_debug_shows_the_traceback(tmp_path, write_config):
    cfg = write_config(SMALL.format(target="benign") + 'max_dept = 3\n'.replace("max_dept", "n_trails"))
    quiet = bakeoff("validate", str(cfg), cwd=tmp_path)
    assert quiet.returncode == 2 and "Did you mean 'n_trials'?" in quiet.stderr
    assert "Traceback" not in quiet.stderr
    loud = bakeoff("validate", str(cfg), "--debug", cwd=tmp_path)
    assert loud.returncode == 2 and "Traceback" in loud.stderr and "Did you mean 'n_trials'?" in loud.stderr
