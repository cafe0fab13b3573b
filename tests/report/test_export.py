"""Exports that run: rendered rule SQL executed in DuckDB, score.py from the folder alone, the model card."""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import numpy as np
import pandas as pd
import pytest

from bakeoff import run
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.export.pack import export

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


def test_exports_score_raw_csv_rows_with_flags_and_numbers_as_text(tmp_path):
    """A rule on a yes/no feature and a GLM, exported, score the holdout rows as a CSV holds them: 'Yes'/'no'
    flags, '1,234' amounts and 'n/a' gaps read as in the bake-off; both reproduce the stored predictions."""
    from bakeoff.export.deploy import score_folder

    rng = np.random.default_rng(4)
    n = 600
    flag = rng.random(n) < 0.3
    amount = rng.integers(10, 5000, n)
    y = rng.random(n) < 1 / (1 + np.exp(-(-1 + 2 * flag + amount / 5000)))
    df = pd.DataFrame({"id": np.arange(n), "intl": np.where(flag, "yes", "no"),
                       "amount": [f"{v:,}" for v in amount], "plan": rng.choice(["a", "b", "c"], n),
                       "y": np.where(y, "yes", "no")})
    df.loc[5, "amount"] = "n/a"
    df.to_csv(tmp_path / "data.csv", index=False)
    raw = {"experiment": {"name": "flags"}, "data": {"source": str(tmp_path / "data.csv")},
           "problem": {"kind": "binary", "target": "y", "positive": "yes", "key": "id"}, "score": {"bootstrap": 0},
           "ladder": {"include": ["sql_threshold", "glm"]},
           "candidate": [{"name": "sql_threshold", "family": "sql", "file": "rules/best_threshold.sql",
                          "feature": "intl"}]}
    res = run(experiment_from_dict(raw), out=tmp_path / "run", history=None, checkpoint_dir=tmp_path / "ck")
    stored = pd.read_parquet(res.out_dir / "holdout.parquet")
    new = pd.read_csv(tmp_path / "data.csv").set_index("id").loc[stored.index].reset_index()
    new["intl"] = new["intl"].str.capitalize()  # 'Yes' / 'No' in the new file: the same levels, case aside
    for name in ("sql_threshold", "glm"):
        dest = export(res.out_dir, name, tmp_path / name)
        got = score_folder(dest, new.drop(columns=["y"]))
        np.testing.assert_allclose(got.to_numpy(float), stored[f"pred:{name}"].to_numpy(), rtol=1e-9, atol=1e-12)
    exported = tmp_path / "sql_threshold" / "train.parquet"  # the rule's SQL reads it as it is: intl as 0/1
    types = dict(r[:2] for r in duckdb.connect().execute(f"DESCRIBE SELECT * FROM read_parquet('{exported}')")
                 .fetchall())
    assert types["intl"] == "DOUBLE" and types["amount"] == "DOUBLE"
