"""Segments, ranking flips and calibration tables on hand-made cases; a CSV source end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bakeoff import run
from bakeoff.candidates.metrics import METRICS
from bakeoff.config.experiment import load_experiment
from bakeoff.data.frame import Problem
from bakeoff.judge.diagnostics import calibration_tables, ranking_flips, segment_scores


def test_segment_scores_and_flip():
    y = np.array([1.0, 2, 3, 4, 10, 20, 30, 40] * 5)
    seg = pd.DataFrame({"region": (["north"] * 4 + ["south"] * 4) * 5})
    good_north = np.where(seg["region"] == "north", y, y + 5.0)
    good_south = np.where(seg["region"] == "south", y, y + 1.0)
    table = segment_scores(seg, y, {"a": good_north, "b": good_south}, METRICS["mae"])
    north = table[(table["value"] == "north")].set_index("candidate")["mae"]
    assert north["a"] == 0.0 and north["b"] == 1.0
    assert set(table["n"]) == {20}
    notes = ranking_flips(table, METRICS["mae"], overall_best="b")
    assert len(notes) == 1 and "region = north" in notes[0] and "a is best" in notes[0]


def test_rare_values_are_grouped():
    seg = pd.DataFrame({"c": [f"v{i}" for i in range(20)] * 2})
    table = segment_scores(seg, np.ones(40), {"a": np.ones(40)}, METRICS["mae"])
    assert "(other)" in set(table["value"]) and table["value"].nunique() == 9


def test_customer_calibration_by_frequency():
    problem = Problem(kind="customer_base", task="count", target="purchases", key="entity")
    holdout = pd.DataFrame({"x": [0, 0, 1, 9, 12]})
    y = np.array([0.0, 1, 2, 5, 7])
    tab = calibration_tables(problem, holdout, y, {"m": np.array([0.5, 0.5, 1.0, 4.0, 8.0])})["m"]
    assert [r["bin"] for r in tab] == ["0", "1", "7+"]
    assert tab[0] == {"bin": "0", "n": 2, "actual": 0.5, "predicted": 0.5}
    assert tab[2]["actual"] == 6.0 and tab[2]["predicted"] == 6.0


def test_csv_source_with_segments_end_to_end(tmp_path, write_config, seed):
    rng = np.random.default_rng(seed)
    n = 600
    df = pd.DataFrame({"id": range(n), "region": rng.choice(["north", "south", "east"], n),
                       "tenure": rng.integers(1, 60, n), "spend": rng.gamma(2, 20, n)})
    df["churned"] = (rng.random(n) < 1 / (1 + np.exp(0.08 * df["tenure"] - 1.5))).astype(int)
    df.to_csv(tmp_path / "customers.csv", index=False)
    cfg = write_config('[experiment]\nname = "churn"\n[data]\nsource = "customers.csv"\n'
                       '[problem]\nkind = "binary"\ntarget = "churned"\nkey = "id"\nsegments = ["region"]\n'
                       '[score]\nbootstrap = 50\n[ladder]\ninclude = ["mean", "glm", "decision_tree"]\n')
    res = run(load_experiment(cfg), write=False, engine="inline")
    assert set(res.segments["value"]) == {"north", "south", "east"}
    assert set(res.segments["candidate"]) == {"mean", "glm", "decision_tree"}
    assert res.table.loc["glm", "primary"] > 0.6
    assert "ece" in res.rows[1].metrics and len(res.calibration["glm"]) >= 2
