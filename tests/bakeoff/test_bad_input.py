"""The bad-input catalogue: each case is one clear message naming the file/field/column, and nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bakeoff import run
from bakeoff.config.experiment import load_experiment
from bakeoff.core.errors import BakeoffError

GOOD = {"id": range(40), "x": np.linspace(0, 1, 40), "y": [0, 1] * 20}


def tab_config(target="y", kind="binary", extra="", source="data.csv", key='key = "id"'):
    return (f'[data]\nsource = "{source}"\n[problem]\nkind = "{kind}"\ntarget = "{target}"\n{key}\n{extra}\n'
            '[score]\nbootstrap = 0\n[ladder]\ninclude = ["mean"]\n')


def tx_config(extra="", cal="1997-03-01", target="purchases", horizon='horizon = "8w"'):
    return ('[data]\nsource = "tx.csv"\n[problem]\nkind = "customer_base"\n'
            f'target = "{target}"\nentity = "cust"\ntime = "day"\namount = "amt"\ncalibration_end = "{cal}"\n'
            f'{horizon}\n{extra}\n[score]\nbootstrap = 0\n[ladder]\ninclude = ["mean"]\n')


def tx_data(**override):
    df = pd.DataFrame({"cust": [1, 1, 2, 2, 3, 3, 4, 1], "amt": [5.0, 6, 7, 8, 9, 10, 11, 12],
                       "day": ["1997-01-02", "1997-02-03", "1997-01-05", "1997-03-20", "1997-01-09",
                               "1997-02-10", "1997-02-11", "1997-04-01"]})
    return df.assign(**override)


CASES = {
    "missing_file": (tab_config(source="nope.csv"), None, "nope.csv' does not exist"),
    "corrupt_parquet": (tab_config(source="data.parquet"), b"not a parquet file", "DuckDB could not read it"),
    "corrupt_csv": (tab_config(), b"\x00\x01\x02\xff\xfe", "data.csv"),
    "empty_data": (tab_config(), "id,x,y\n", "has no rows"),
    "misspelled_column": (tab_config(target="yy"), GOOD, "Did you mean 'y'?"),
    "non_numeric_target": (tab_config(), {**GOOD, "y": ["a", "b"] * 20}, "set [problem].positive = "),
    "one_class": (tab_config(), {**GOOD, "y": [1] * 40}, "one class only"),
    "not_binary": (tab_config(), {**GOOD, "y": [0, 2] * 20}, "must hold 0/1"),
    "all_nan_feature": (tab_config(extra='features = ["x", "z"]'), {**GOOD, "z": [None] * 40},
                        "feature column 'z' is empty"),  # listed on purpose; unlisted, it is left out with a note
    "no_usable_feature": (tab_config(), {**GOOD, "x": [None] * 40}, "no usable feature columns besides the target "
                          "'y' (Column 'x' left out of the features: all 40 values missing.)"),
    "nan_in_target": (tab_config(), {**GOOD, "y": [0, 1, None, 1] * 10}, "10 missing values"),
    "duplicate_keys": (tab_config(), {**GOOD, "id": [1, 2] * 20}, "must be unique; 38 rows repeat a key"),
    "negative_counts": (tab_config(kind="count"), {**GOOD, "y": [-1, 2] * 20}, "non-negative whole counts"),
    "bad_dates_split": (tab_config(extra='split = { method = "time", column = "d", cutoff = "2020-01-01" }'),
                        {**GOOD, "d": ["2019-01-01", "soon"] * 20}, "20 values of split column 'd' are not dates"),
    "cutoff_outside": (tab_config(extra='split = { method = "time", column = "d", cutoff = "2030-01-01" }'),
                       {**GOOD, "d": ["2019-01-01", "2019-06-01"] * 20}, "outside the data range"),
    "unknown_metric": (tab_config(extra="") .replace("[score]\n", '[score]\nprimary = "auc"\n'), GOOD,
                       "unknown metric 'auc'"),
    "metric_wrong_task": (tab_config().replace("[score]\n", '[score]\nprimary = "rmse"\n'),
                          GOOD, None),  # rmse is valid for binary as a score: must NOT fail
    "unknown_candidate": (tab_config().replace('include = ["mean"]', 'include = ["xgbost"]'), GOOD,
                          "Did you mean 'xgboost'?"),
    "unknown_family": (tab_config() + '[[candidate]]\nname = "r"\nfamily = "sqll"\n', GOOD,
                       "unknown family 'sqll'"),
    "bad_duration": (tab_config() + '[timebox]\ntotal = "5 minutes"\n', GOOD, "positive duration"),
    "toml_syntax": ("[data\nsource = 1\n", None, "line 1"),
    "unknown_key": (tab_config().replace("[problem]\n", "[problem]\ntargte = 1\n"), GOOD,
                    "Did you mean 'target'?"),
    "sql_syntax": (tab_config().replace('include = ["mean"]', 'include = ["mine"]')
                   + '[[candidate]]\nname = "mine"\nfamily = "sql"\nfile = "rule.sql"\n', GOOD, "does not parse"),
    "sql_missing_file": (tab_config().replace('include = ["mean"]', 'include = ["mine"]')
                         + '[[candidate]]\nname = "mine"\nfamily = "sql"\nfile = "gone.sql"\n', GOOD,
                         "'gone.sql' does not exist"),
    "tx_bad_dates": (tx_config(), tx_data(day=["1997-01-02", "someday"] * 4), "not dates"),
    "tx_negative_spend": (tx_config(target="spend"), tx_data(amt=[-5.0] * 8), "negative or missing"),
    "tx_cutoff_outside": (tx_config(cal="1999-01-01"), tx_data(), "outside the data range"),
    "tx_empty_holdout": (tx_config(cal="1997-03-25", horizon='holdout_end = "1997-03-30"'), tx_data(),
                         "has no transactions"),
    "tx_missing_entity": (tx_config().replace('entity = "cust"', 'entity = "customer"'), tx_data(),
                          "[problem].entity names column 'customer'"),
    "tx_before_first_purchase": (tx_config(extra='acquired = "joined"'),
                                 tx_data(joined=["1997-01-02"] * 6 + ["1997-02-20", "1997-01-02"]),
                                 "1 transactions are dated before their entity's first purchase"),
    "tx_no_horizon": (tx_config(horizon=""), tx_data(), "either holdout_end"),
    "holdout_one_class": (tab_config(extra='split = { method = "time", column = "d", cutoff = "2019-03-01" }'),
                          {**GOOD, "d": ["2019-01-01"] * 38 + ["2019-06-01"] * 2, "y": [0, 1] * 19 + [1, 1]},
                          "holdout has one class only"),
}


def _write(tmp_path: Path, text: str, data) -> Path:
    cfg = tmp_path / "exp.toml"
    cfg.write_text(text)
    (tmp_path / "rule.sql").write_text("-- name: broken\nSELEC key, prediction FRM holdout\n")
    if isinstance(data, dict):
        frame = pd.DataFrame(data)
        frame.to_csv(tmp_path / "data.csv", index=False)
    elif isinstance(data, pd.DataFrame):
        data.to_csv(tmp_path / "tx.csv", index=False)
    elif isinstance(data, bytes):
        name = "data.parquet" if "parquet" in text else "data.csv"
        (tmp_path / name).write_bytes(data)
    elif isinstance(data, str):
        (tmp_path / "data.csv").write_text(data)
    return cfg


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input(case, tmp_path):
    text, data, expected = CASES[case]
    cfg = _write(tmp_path, text, data)
    out = tmp_path / "out"
    if expected is None:
        run(load_experiment(cfg), write=False, engine="inline")
        return
    with pytest.raises(BakeoffError) as err:
        run(load_experiment(cfg), out=out, engine="inline")
    message = str(err.value)
    assert expected in message and "\n" not in message
    assert not out.exists()


@pytest.mark.parametrize("case", ["misspelled_column", "sql_syntax", "toml_syntax", "tx_bad_dates"])
def test_bad_input_cli_exit_2(case, tmp_path):
    text, data, expected = CASES[case]
    cfg = _write(tmp_path, text, data)
    proc = subprocess.run([sys.executable, "-m", "bakeoff.cli", "run", str(cfg), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 2 and expected in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists() and not (tmp_path / "runs").exists()
