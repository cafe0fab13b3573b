"""Exports that keep identity: score.py keeps the key, refuses missing columns in one line; export defaults to the
chosen candidate; compare refuses runs of different experiments unless --force."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from bakeoff import run
from bakeoff.cli import app
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.core.errors import DataError
from bakeoff.export.deploy import score_folder
from bakeoff.export.pack import export
from tests.conftest import ROOT


def _small(toml: str, include: list[str]) -> dict:
    """An example experiment with a short ladder, few bootstrap rounds and no champion."""
    raw = tomllib.loads((ROOT / "experiments" / toml).read_text())
    raw["ladder"] = {"include": include}
    raw["score"] = {**raw.get("score", {}), "bootstrap": 20}
    return raw


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A CDNOW run (customer base keyed by customer_id) and a breast-cancer run, both in one run history."""
    base = tmp_path_factory.mktemp("runs")
    cdnow = _small("cdnow/purchases.toml", ["sql_run_rate", "glm"])
    bc = _small("breast_cancer.toml", ["mean", "glm"])
    db = base / "history.duckdb"
    done = {name: run(experiment_from_dict(raw), out=base / name, history=db, checkpoint_dir=base / "ck")
            for name, raw in (("cd", cdnow), ("bc", bc))}
    return done, db


def _features(out_dir) -> pd.DataFrame:
    stored = pd.read_parquet(out_dir / "holdout.parquet")
    return stored[[c for c in stored.columns if c != "actual" and not c.startswith("pred:")]]


def _score_py(folder, source, dest) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(folder / "score.py"), str(source), str(dest)], capture_output=True,
                          text=True, timeout=120, cwd=dest.parent)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_score_py_keeps_the_customer_id(runs, tmp_path, suffix):
    res = runs[0]["cd"]
    dest = export(res.out_dir, "glm", tmp_path / "deploy")
    new = _features(res.out_dir).rename_axis("customer_id").reset_index()  # the key as the source data names it
    new["customer_id"] = "c" + new["customer_id"].astype(str)  # IDs that are not row numbers
    source = tmp_path / f"new{suffix}"
    new.to_parquet(source) if suffix == ".parquet" else new.to_csv(source, index=False)
    proc = _score_py(dest, source, tmp_path / "out.csv")
    assert proc.returncode == 0, proc.stderr
    out = pd.read_csv(tmp_path / "out.csv", dtype={"customer_id": str})
    assert list(out.columns) == ["customer_id", "prediction"]
    assert out["customer_id"].tolist() == new["customer_id"].tolist()
    np.testing.assert_allclose(out["prediction"].to_numpy(), pd.read_parquet(res.out_dir / "holdout.parquet")
                               ["pred:glm"].to_numpy(), rtol=1e-9, atol=1e-12)


def test_score_py_refuses_a_file_without_the_key_or_features_in_one_line(runs, tmp_path):
    res = runs[0]["cd"]
    dest = export(res.out_dir, "glm", tmp_path / "deploy")
    _features(res.out_dir)[["x", "t_x", "T"]].reset_index(drop=True).to_parquet(tmp_path / "new.parquet")
    proc = _score_py(dest, tmp_path / "new.parquet", tmp_path / "out.csv")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "new.parquet': customer_id (the key), " in lines[0] and "recency_days" in lines[0]
    assert ", x," not in lines[0] and not (tmp_path / "out.csv").exists()


def test_a_rule_needs_only_the_columns_its_sql_reads(runs, tmp_path):
    res = runs[0]["cd"]
    dest = export(res.out_dir, "sql_run_rate", tmp_path / "rule")
    new = _features(res.out_dir).rename_axis("customer_id").reset_index()
    got = score_folder(dest, new[["customer_id", "x", "T", "spend_mean"]])
    assert got.index.name == "customer_id" and got.index.tolist() == new["customer_id"].tolist()
    np.testing.assert_allclose(got.to_numpy(), pd.read_parquet(res.out_dir / "holdout.parquet")
                               ["pred:sql_run_rate"].to_numpy(), rtol=1e-12)
    with pytest.raises(DataError, match=r"Missing column\(s\) in new.csv: T;"):
        score_folder(dest, new[["customer_id", "x", "spend_mean"]], source="new.csv")
    with pytest.raises(DataError, match="repeats 1 value"):
        score_folder(dest, pd.concat([new, new.iloc[:1]]))


def test_export_without_candidate_exports_the_chosen_one(runs, tmp_path):
    res = runs[0]["cd"]
    got = CliRunner().invoke(app, ["export", str(res.out_dir), "--to", str(tmp_path / "d")])
    assert got.exit_code == 0, got.output
    assert f"exported {res.chosen} (the chosen candidate) to {tmp_path / 'd'}" in got.stdout
    assert f"# Model card: {res.chosen} " in (tmp_path / "d" / "MODEL_CARD.md").read_text()
    other = next(r.name for r in res.rows if r.ok and r.name != res.chosen)
    got = CliRunner().invoke(app, ["export", str(res.out_dir), "--candidate", other, "--to", str(tmp_path / "o")])
    assert got.exit_code == 0, got.output
    assert f"exported {other} (the run chose {res.chosen}) to" in got.stdout


def test_compare_refuses_runs_of_different_experiments_unless_forced(runs):
    db = runs[1]
    args = ["compare", "cdnow_purchases:latest", "breast_cancer:latest", "--db", str(db)]
    got = CliRunner().invoke(app, args)
    assert got.exit_code == 2
    assert len(got.stderr.strip().splitlines()) == 1 and "Traceback" not in got.stderr
    assert "experiment 'cdnow_purchases'" in got.stderr and "experiment 'breast_cancer'" in got.stderr
    assert "--force" in got.stderr
    got = CliRunner().invoke(app, [*args, "--force"])
    assert got.exit_code == 0, got.output
    assert "runs of different experiments (cdnow_purchases → breast_cancer)" in got.stdout
    same = CliRunner().invoke(app, ["compare", "breast_cancer:latest", "breast_cancer:latest", "--db", str(db)])
    assert same.exit_code == 0 and "different experiments" not in same.stdout


def test_a_problem_without_a_key_numbers_the_rows(tmp_path):
    raw = {"experiment": {"name": "nokey"}, "data": {"builtin": "diabetes"},
           "problem": {"kind": "regression", "target": "progression"}, "score": {"bootstrap": 0},
           "ladder": {"include": ["glm"]}}
    res = run(experiment_from_dict(raw), out=tmp_path / "run", history=None, checkpoint_dir=tmp_path / "ck")
    dest = export(res.out_dir, None, tmp_path / "deploy")
    new = _features(res.out_dir).reset_index(drop=True)
    got = score_folder(dest, new)
    assert got.index.name == "row" and got.index.tolist() == list(range(len(new)))
