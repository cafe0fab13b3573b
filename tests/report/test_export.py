"""Exports that run: rendered rule SQL executed in DuckDB, score.py from the folder alone, the model card."""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import numpy as np
import pandas as pd
import pytest

from bakeoff.config import experiment_from_dict
from bakeoff.export import export
from bakeoff.runner import run

CDNOW = {"experiment": {"name": "cd"}, "data": {"builtin": "cdnow_sample"},
         "problem": {"kind": "customer_base", "target": "purchases", "entity": "customer_id", "time": "date",
                     "amount": "amount", "calibration_end": "1997-09-30", "horizon": "39w"},
         "score": {"bootstrap": 20}, "ladder": {"include": ["sql_rfm_quintiles", "sql_run_rate", "glm"]}}
BC = {"experiment": {"name": "bc"}, "data": {"builtin": "breast_cancer"},
      "problem": {"kind": "binary", "target": "benign", "key": "row_id"}, "score": {"bootstrap": 20},
      "ladder": {"include": ["mean", "sql_quantile_buckets"]},
      "candidate": [{"name": "sql_quantile_buckets", "family": "sql", "file": "rules/quantile_buckets.sql",
                     "feature": "worst_radius"}]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("exp")
    return {name: run(experiment_from_dict(raw), out=base / name, history=None, checkpoint_dir=base / "ck")
            for name, raw in (("cd", CDNOW), ("bc", BC))}


@pytest.mark.parametrize(("run_name", "name"), [("cd", "sql_rfm_quintiles"), ("cd", "sql_run_rate"),
                                                ("bc", "sql_quantile_buckets")])
def test_exported_rule_reproduces_stored_predictions_in_duckdb(runs, tmp_path, run_name, name):
    res = runs[run_name]
    dest = export(res.out_dir, name, tmp_path / name)
    sql = (dest / f"{name}.sql").read_text()
    assert "{" not in sql and "}" not in sql  # every placeholder filled
    stored = pd.read_parquet(res.out_dir / "holdout.parquet")
    key = res.problem.key
    con = duckdb.connect()
    con.execute(f"CREATE TABLE train AS SELECT * FROM read_parquet('{dest / 'train.parquet'}')")
    holdout = stored.drop(columns=[c for c in stored.columns if c == "actual" or c.startswith("pred:")])
    con.register("h", holdout.reset_index())
    con.execute("CREATE TABLE holdout AS SELECT * FROM h")
    out = con.execute(sql).df().set_index("key")["prediction"].reindex(stored.index)
    assert key in con.execute("DESCRIBE holdout").df()["column_name"].tolist()
    np.testing.assert_allclose(out.to_numpy(), stored[f"pred:{name}"].to_numpy(), rtol=1e-12, atol=1e-12)


def test_rfm_rule_is_scaled_to_the_horizon(runs, tmp_path):
    dest = export(runs["cd"].out_dir, "sql_rfm_quintiles", tmp_path / "rfm")
    sql = (dest / "sql_rfm_quintiles.sql").read_text()
    scale = next(r.horizon_factor for r in runs["cd"].rows if r.name == "sql_rfm_quintiles")
    assert scale is not None and repr(scale) in sql and "prediction *" in sql  # the run's horizon alignment
    native = (export(runs["cd"].out_dir, "sql_run_rate", tmp_path / "rr") / "sql_run_rate.sql").read_text()
    assert "* 39" in native and "AS rule" not in native  # predicts for the horizon itself: not rescaled


@pytest.mark.parametrize("name", ["sql_rfm_quintiles", "glm"])
def test_score_py_works_from_the_exported_folder_alone(runs, tmp_path, name):
    res = runs["cd"]
    dest = export(res.out_dir, name, tmp_path / "export")
    alone = tmp_path / "elsewhere"
    shutil.copytree(dest, alone)
    stored = pd.read_parquet(res.out_dir / "holdout.parquet")
    new = stored[[c for c in stored.columns if c != "actual" and not c.startswith("pred:")]].reset_index()
    new.to_parquet(tmp_path / "new.parquet")
    proc = subprocess.run([sys.executable, str(alone / "score.py"), str(tmp_path / "new.parquet"),
                           str(tmp_path / "pred.csv")], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    pred = pd.read_csv(tmp_path / "pred.csv", dtype={"entity": str}).set_index("entity")["prediction"]
    np.testing.assert_allclose(pred.reindex(stored.index).to_numpy(), stored[f"pred:{name}"].to_numpy(),
                               rtol=1e-9, atol=1e-12)


def test_model_card_names_the_source_key_the_choice_and_rounded_cis(runs, tmp_path):
    res = runs["cd"]
    for name in ("sql_run_rate", "glm", "sql_rfm_quintiles"):
        card = (export(res.out_dir, name, tmp_path / name) / "MODEL_CARD.md").read_text()
        assert "`customer_id` in the source data" in card
        expected = "yes — the run chose it" if name == res.chosen else f"no — the run chose {res.chosen}"
        assert f"Chosen in this run: {expected}" in card
        row = next(r for r in res.rows if r.name == name)
        assert f"{row.ci_low:.4g} to {row.ci_high:.4g}" in card
        assert "How to score new data" in card and "score.py" in card
