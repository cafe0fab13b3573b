"""Spark customer summaries ([data] engine = "spark") against DuckDB's, value for value."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bakeoff import prepare
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.core.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for the module's tests (JVM start-up is the slow part)."""
    pytest.importorskip("pyspark", reason='the spark extra is not installed: pip install -e ".[spark]"')
    pytest.importorskip("sqlglot")
    from bakeoff.data.spark import session

    exp = experiment_from_dict({**_cdnow_raw(), "data": {"builtin": "cdnow_sample", "engine": "spark",
                                                           "master": "local[2]"}})
    s = session(exp)
    yield s
    s.stop()


def _cdnow_raw() -> dict:
    return tomllib.loads((ROOT / "experiments" / "cdnow" / "purchases.toml").read_text())


def _both(raw: dict) -> tuple:
    duck, _ = prepare(experiment_from_dict(raw))
    spark_raw = {**raw, "data": {**raw["data"], "engine": "spark", "master": "local[2]"}}
    sparked, _ = prepare(experiment_from_dict(spark_raw))
    return duck, sparked


def _assert_identical(duck, sparked) -> None:
    for part in ("train", "holdout"):
        pd.testing.assert_frame_equal(getattr(duck, part), getattr(sparked, part), check_exact=True)
    pd.testing.assert_series_equal(duck.holdout_y, sparked.holdout_y, check_exact=True)
    assert duck.features == sparked.features and duck.problem == sparked.problem
    assert duck.alignment.to_dict() == pytest.approx(sparked.alignment.to_dict())  # same label_growth.sql


def test_spark_summary_identical_to_duckdb_on_cdnow(spark):
    duck, sparked = _both(_cdnow_raw())
    _assert_identical(duck, sparked)
    assert len(sparked.holdout) == 2357 and sparked.holdout_y.sum() == 1882  # published cohort, weeks 40-78


def _generated_log(path: Path, n_customers: int = 3000, seed: int = 7) -> None:
    """Customers with same-day repeats, integer keys, amounts with many decimals and a segment column."""
    rng = np.random.default_rng(seed)
    n_tx = rng.poisson(4, n_customers) + 1
    cust = np.repeat(np.arange(n_customers) * 37 + 11, n_tx)
    first = np.repeat(rng.integers(0, 120, n_customers), n_tx)
    day = np.minimum(first + (rng.random(len(cust)) * rng.integers(1, 500, len(cust))).astype(int), 545)
    amount = rng.gamma(2.0, 17.3, len(cust)) + rng.random(len(cust)) * 1e-4
    region = np.where(cust % 3 == 0, "north", "south")
    pd.DataFrame({"cust": cust, "when": np.datetime64("1997-01-01") + day.astype("timedelta64[D]"),
                  "amount": amount, "region": region}).to_parquet(path)


def test_spark_summary_identical_to_duckdb_on_generated_log(spark, tmp_path):
    _generated_log(tmp_path / "log.parquet")
    raw = {"experiment": {"name": "gen"}, "data": {"source": str(tmp_path / "log.parquet")},
           "problem": {"kind": "customer_base", "target": "spend", "entity": "cust", "time": "when",
                       "amount": "amount", "calibration_end": "1997-12-31", "horizon": "26w", "partial_holdout": True,
                       "segments": ["region"]}}
    duck, sparked = _both(raw)
    _assert_identical(duck, sparked)
    pd.testing.assert_frame_equal(duck.segments, sparked.segments)
    assert duck.holdout.index.dtype == np.int64  # integer keys stay integers in both engines
    log = pd.read_parquet(tmp_path / "log.parquet")
    cal = log[log["when"] <= "1997-12-31"]
    assert len(duck.holdout) == cal["cust"].nunique()
    first = cal.groupby(["cust", "when"])["amount"].sum().groupby("cust").sum()
    # amounts are summed as DECIMAL(18, 6): within half a micro-unit per line of the float sums
    np.testing.assert_allclose(sparked.holdout["spend_total"], first.sort_index().to_numpy(), atol=1e-5, rtol=0)


def test_spark_refuses_bad_dates_like_duckdb(spark, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("cust,day,amount\n1,1997-01-03,5\n1,1997-02-03,5\n2,1997-01-09,3\n2,not a day,3\n")
    raw = {"data": {"source": str(path), "engine": "spark", "master": "local[2]"},
           "problem": {"kind": "customer_base", "target": "purchases", "entity": "cust", "time": "day",
                       "calibration_end": "1997-01-20", "horizon": "2w"}}
    with pytest.raises(DataError, match="1 values of time column 'day' are not dates"):
        prepare(experiment_from_dict(raw))


def test_transpiled_sql_is_spark_sql():
    pytest.importorskip("sqlglot")
    import datetime as dt

    from bakeoff.data.spark import spark_sql

    sql = spark_sql("customer_features", {"cutoff": dt.date(1997, 9, 30), "buckets": 1, "bucket": 0})
    assert "CAST('1997-09-30' AS DATE)" in sql and "MIN_BY(amount, day)" in sql
    assert "$" not in sql and ":cutoff" not in sql and "HASH" not in sql.upper()
    assert "CAST(7.0 AS DOUBLE)" in sql  # DuckDB divides in DOUBLE; Spark would use DECIMAL(2,1)


@pytest.mark.parametrize(("data", "problem", "match"), [
    ({"builtin": "cdnow_sample", "engine": "spark", "buckets": 4}, None, "partitions the work itself"),
    ({"builtin": "breast_cancer", "engine": "spark"}, {"kind": "binary", "target": "benign"}, "customer_base"),
])
def test_spark_config_errors(data, problem, match):
    raw = {**_cdnow_raw(), "data": data}
    if problem:
        raw["problem"] = problem
    with pytest.raises(ConfigError, match=match):
        experiment_from_dict(raw)
