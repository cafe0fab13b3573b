"""The DuckDB customer frame against the published CDNOW cohort (Fader, Hardie & Lee 2005)."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd


def published_summary() -> pd.DataFrame:
    path = resources.files("lifetimes") / "datasets" / "cdnow_customers_summary.csv"
    pub = pd.read_csv(str(path))
    pub.index = pub["ID"].map(lambda i: f"{i:04d}")
    return pub


def test_calibration_summary_equals_published(cdnow_frame):
    pub = published_summary()
    ours = cdnow_frame.holdout
    assert len(ours) == 2357
    assert list(ours.index) == list(pub.index)
    assert np.array_equal(ours["x"].to_numpy(), pub["frequency"].to_numpy())
    assert np.array_equal(ours["t_x"].round(2).to_numpy(), pub["recency"].to_numpy())
    assert np.array_equal(ours["T"].round(2).to_numpy(), pub["T"].to_numpy())


def test_holdout_targets(cdnow_frame):
    assert cdnow_frame.holdout_y.sum() == 1882  # repeat purchases in weeks 40-78
    assert (cdnow_frame.holdout["x"] > 0).sum() == 946


def test_nothing_after_calibration_reaches_features(cdnow_frame):
    h = cdnow_frame.holdout
    assert (h["t_x"] <= h["T"]).all() and h["recency_days"].min() >= 0
    assert cdnow_frame.problem.task == "count" and cdnow_frame.problem.horizon_weeks == 39
    # the training label window ends at calibration_end and starts after the training cut-off
    assert cdnow_frame.problem.label_weeks < 39
    assert cdnow_frame.train["T"].max() < h["T"].max()


def test_bucketed_summary_equals_single_query():
    import datetime as dt

    from bakeoff.config.experiment import load_experiment
    from bakeoff.data.customers import customer_table, prepare_transactions
    from bakeoff.data.sources import connect, load_data
    from tests.conftest import ROOT

    exp = load_experiment(ROOT / "experiments" / "cdnow" / "purchases.toml")
    con = connect()
    origin = load_data(exp, con)
    prepare_transactions(exp, con, origin)
    cal, end = dt.date(1997, 9, 30), dt.date(1998, 6, 30)
    single = customer_table(con, cal, end)
    bucketed = customer_table(con, cal, end, buckets=7).sort_index()
    pd.testing.assert_frame_equal(single, bucketed)
