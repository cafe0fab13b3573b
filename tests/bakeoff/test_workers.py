"""Parallel candidates give the table of one worker; plain scripts and stdin work; broken runs are not history."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from bakeoff import run
from bakeoff.api import harness_failed
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.core.records import Row, Status

RAW = {"experiment": {"name": "par", "seed": 7}, "data": {"builtin": "breast_cancer"},
       "problem": {"kind": "binary", "target": "benign", "key": "row_id"}, "score": {"bootstrap": 200},
       "timebox": {"total": "5m", "per_candidate": "2m"},
       "ladder": {"include": ["mean", "sql_quantile_buckets", "glm", "decision_tree", "random_forest", "xgboost"]},
       "candidate": [{"name": "sql_quantile_buckets", "family": "sql", "file": "rules/quantile_buckets.sql",
                      "feature": "worst_radius"}]}
SAME = ["status", "primary", "ci_low", "ci_high", "vs_best", "vs_best_low", "vs_best_high", "vs_best_p"]


def _run(workers: int):
    return run(experiment_from_dict({**RAW, "executor": {"workers": workers}}), write=False, history=None)


def test_two_workers_give_the_table_of_one():
    one, two = _run(1), _run(2)
    assert (one.workers, two.workers) == (1, 2)
    assert [r.name for r in one.rows] == [r.name for r in two.rows]  # ladder order whatever the start order
    assert all(r.status is Status.OK for r in two.rows)
    assert one.table[SAME].equals(two.table[SAME])
    for name, pred in one.predictions.items():
        np.testing.assert_array_equal(pred, two.predictions[name])
    # CPU time stays per candidate: each single-threaded fit uses about one CPU-second per wall-second
    for r in two.rows:
        assert r.fit_cpu_s is not None and r.fit_cpu_s <= 1.5 * r.fit_s + 0.2


SCRIPT = """
import bakeoff
res = bakeoff.run({path!r}, write=False, history=None)
print("STATUSES", sorted({{r.status.value for r in res.rows}}))
"""


@pytest.mark.parametrize("how", ["script", "stdin"])
def test_plain_script_and_stdin_without_main_guard(tmp_path, how):
    cfg = tmp_path / "tiny.toml"
    cfg.write_text('[data]\nbuiltin = "breast_cancer"\n[problem]\nkind = "binary"\ntarget = "benign"\n'
                   '[score]\nbootstrap = 0\n[ladder]\ninclude = ["mean", "glm"]\n')
    code = SCRIPT.format(path=str(cfg))
    if how == "script":
        (tmp_path / "plain.py").write_text(code)
        proc = subprocess.run([sys.executable, str(tmp_path / "plain.py")], capture_output=True, text=True,
                              timeout=300, cwd=tmp_path)
    else:
        proc = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True, timeout=300,
                              cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "STATUSES ['OK']" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_a_run_whose_workers_all_died_is_not_a_sprint():
    died = Row(name="a", status=Status.FAILED, message="the worker exited with code 1 before returning a result")
    crashed = Row(name="b", status=Status.FAILED, message="RuntimeError: deliberate failure")
    skipped = Row(name="c", status=Status.SKIPPED, message="needs a customer_base problem")
    assert harness_failed([died, skipped])
    assert not harness_failed([died, crashed])  # a candidate's own failure is a real outcome
    assert not harness_failed([skipped])


def test_start_order_overlaps_the_longest_turn_and_never_starves_the_baselines():
    from bakeoff.climb.ladder import start_order

    rungs = [0, 0, 1, 1, 2, 3, 4, 5]
    assert start_order(rungs, 1) == list(range(8))  # one worker: ladder order
    assert start_order(rungs, 2) == [7, 0, 1, 2, 3, 4, 5, 6]  # tuned first, then cheapest rungs first
    assert start_order(rungs, 3) == [7, 6, 0, 1, 2, 3, 4, 5]
    assert sorted(start_order(rungs, 8)) == list(range(8))
