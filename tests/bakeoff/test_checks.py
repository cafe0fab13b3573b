"""Leakage warnings and the default per-candidate memory limit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bakeoff import run
from bakeoff.config.experiment import load_experiment


def test_leaky_features_are_reported(tmp_path, write_config, seed):
    rng = np.random.default_rng(seed)
    n = 300
    y = rng.gamma(2, 10, n)
    df = pd.DataFrame({"id": range(n), "honest": rng.normal(size=n) + y / 20, "copy": y * 3 + 1,
                       "bucket": rng.integers(0, 5, n), "y": y})
    df["derived"] = df["bucket"]
    df.to_csv(tmp_path / "d.csv", index=False)
    cfg = write_config('[data]\nsource = "d.csv"\n[problem]\nkind = "regression"\ntarget = "y"\nkey = "id"\n'
                       '[score]\nbootstrap = 0\n[ladder]\ninclude = ["mean"]\n')
    res = run(load_experiment(cfg), out=tmp_path / "out", engine="inline")
    text = " ".join(res.leakage)
    assert "'copy' is almost a copy of the target" in text
    assert "'honest'" not in text and "'bucket'" not in text
    assert "Leakage warnings" in (tmp_path / "out" / "report.md").read_text()


def test_target_function_is_reported(tmp_path, write_config, seed):
    rng = np.random.default_rng(seed)
    n = 300
    code = rng.integers(0, 6, n)
    df = pd.DataFrame({"id": range(n), "code": code, "noise": rng.normal(size=n), "y": (code % 2).astype(int)})
    df.to_csv(tmp_path / "d.csv", index=False)
    cfg = write_config('[data]\nsource = "d.csv"\n[problem]\nkind = "binary"\ntarget = "y"\nkey = "id"\n'
                       '[score]\nbootstrap = 0\n[ladder]\ninclude = ["mean"]\n')
    res = run(load_experiment(cfg), write=False, engine="inline")
    assert any("'code' determines the target" in w for w in res.leakage)
    assert not any("'noise'" in w for w in res.leakage)


def test_a_candidate_that_cannot_be_built_is_a_failed_row_not_a_stopped_run(tmp_path, write_config):
    from bakeoff.core.records import Status

    cfg = write_config('[data]\nbuiltin = "breast_cancer"\n'
                       '[problem]\nkind = "binary"\ntarget = "benign"\nkey = "row_id"\n'
                       '[score]\nbootstrap = 0\n[ladder]\ninclude = ["mean"]\n'
                       '[[candidate]]\nname = "broken_rule"\nfamily = "sql"\n')
    res = run(load_experiment(cfg), write=False, engine="inline")
    rows = {r.name: r for r in res.rows}
    assert rows["mean"].status is Status.OK
    assert rows["broken_rule"].status is Status.FAILED and "file" in rows["broken_rule"].message
