"""SQL rules on hand-computed inputs, and the sandbox they run in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bakeoff.candidates.contract import Budget
from bakeoff.core.errors import CandidateError
from bakeoff.data.frame import Frame, Problem
from bakeoff.query.sandbox import run_rule
from baselines.sql_rules import SqlRule


def tiny_frame(task: str = "regression") -> Frame:
    train = pd.DataFrame({"f": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10], "y": [0.0, 0, 0, 0, 0, 1, 1, 1, 1, 1]},
                         index=pd.Index(range(10), name="id"))
    holdout = pd.DataFrame({"f": [0.5, 5.5, 9.5]}, index=pd.Index([100, 101, 102], name="id"))
    return Frame(Problem(kind=task, task=task, target="y", key="id"), train, holdout, ("f",))


def test_best_threshold_hand_computed(seed):
    frame = tiny_frame()
    rule = SqlRule(file="rules/best_threshold.sql", feature="f").fit(frame, budget=Budget.of(30), seed=seed)
    pred = rule.predict(frame)
    # the squared-error-optimal cut lies between 5 and 6: means 0 below and 1 above
    assert pred.tolist() == [0.0, 1.0, 1.0] or pred.tolist() == [0.0, 0.0, 1.0]
    assert pred.loc[100] == 0.0 and pred.loc[102] == 1.0


def test_quantile_buckets_hand_computed(seed):
    frame = tiny_frame()
    rule = SqlRule(file="rules/quantile_buckets.sql", feature="f", buckets=2).fit(
        frame, budget=Budget.of(30), seed=seed)
    # median cut 5.5: bucket means 0 (f <= 5.5) and 1 (f > 5.5)
    assert rule.predict(frame).tolist() == [0.0, 0.0, 1.0]
    assert "quantile_cont" in rule.describe()["sql"]


def test_feature_search_picks_informative_feature(seed):
    frame = tiny_frame("binary")
    rng = np.random.default_rng(seed)
    train = frame.train.assign(noise=rng.random(10))
    frame = Frame(frame.problem, pd.concat([train] * 5), frame.holdout.assign(noise=0.5), ("noise", "f"))
    frame = Frame(frame.problem, frame.train.reset_index(drop=True).rename_axis("id"), frame.holdout,
                  frame.features)
    rule = SqlRule(file="rules/best_threshold.sql").fit(frame, budget=Budget.of(30), seed=seed)
    assert rule.params_["feature"] == "f"


def test_run_rate_is_horizon_native():
    frame = tiny_frame("count")
    problem = Problem(kind="customer_base", task="count", target="purchases", key="entity", horizon_weeks=39.0)
    holdout = pd.DataFrame({"x": [2.0, 0.0], "T": [26.0, 13.0], "spend_mean": [10.0, 5.0]},
                           index=pd.Index(["a", "b"], name="entity"))
    frame = Frame(problem, holdout.assign(purchases=[1.0, 0.0]), holdout, ("x", "T", "spend_mean"))
    rule = SqlRule(file="rules/run_rate.sql").fit(frame, budget=Budget.of(30), seed=0)
    assert rule.horizon_native
    assert rule.predict(frame).tolist() == pytest.approx([2 / 26 * 39, 0.0])


@pytest.mark.parametrize("sql,expected", [
    ("SELECT * FROM read_csv('/etc/passwd')", "DuckDB error"),
    ("COPY train TO '/tmp/leak.csv'", "must be one SELECT"),
    ("ATTACH '/tmp/x.duckdb' AS x", "must be one SELECT"),
    ("INSTALL httpfs", "must be one SELECT"),
    ("SELECT 1 AS key, 2 AS prediction; DROP TABLE train", "must be one SELECT"),
    ("SELECT id AS key FROM holdout", "must return columns (key, prediction)"),
    ("SELECT 100 AS key, 1.0 AS prediction FROM holdout", "duplicate keys"),
    ("SELEC 1", "DuckDB error"),
])
def test_sandbox_refuses(sql, expected):
    frame = tiny_frame()
    with pytest.raises(CandidateError) as err:
        run_rule(sql, frame.train, frame.holdout, name="evil")
    assert expected in str(err.value)


def test_sandbox_cannot_reenable_external_access():
    frame = tiny_frame()
    sql = "SELECT id AS key, 0.0 AS prediction FROM holdout WHERE current_setting('enable_external_access') = false"
    out = run_rule(sql, frame.train, frame.holdout, name="ok")
    assert len(out) == 3


def test_sandbox_reads_the_frame_in_place_with_missing_values_as_null():
    """The tables are views over the caller's columns (no copy), and NaN reads as SQL NULL as before."""
    from bakeoff.query.sandbox import sandbox

    train = pd.DataFrame({"x": [1.0, np.nan, 3.0], "y": [0.0, 1.0, 1.0]}, index=pd.Index([7, 8, 9], name="id"))
    con = sandbox({"train": train})
    assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == (0,)  # nothing copied in
    assert con.execute("SELECT id, x IS NULL FROM train ORDER BY id").fetchall() == [(7, False), (8, True), (9, False)]
    con.close()


def test_sandbox_cannot_read_python_variables_by_name():
    """DuckDB looks up unknown table names among the calling frame's variables; the sandbox switches that off."""
    import duckdb

    from bakeoff.query.sandbox import sandbox

    frame = tiny_frame()
    con = sandbox({"train": frame.train, "holdout": frame.holdout})
    secret = pd.DataFrame({"key": [1], "prediction": [1.0]})  # noqa: F841 - what a replacement scan would find
    with pytest.raises(duckdb.CatalogException):
        con.execute("SELECT key, prediction FROM secret")
    assert con.execute("SELECT count(*) FROM holdout").fetchone() == (len(frame.holdout),)
    con.close()
