"""Input traps: ambiguous dates, decimal commas, holdout past the data, text binary labels, date errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bakeoff import prepare
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.core.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    """A transaction log: 400 purchases of 79 customers over 2024 (last purchase known)."""
    rng = np.random.default_rng(0)
    n = 400
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 360, n), unit="D")
    df = pd.DataFrame({"cid": rng.integers(1, 80, n), "d": days, "amt": rng.gamma(2, 10, n).round(2)})
    base = tmp_path_factory.mktemp("logs")
    us = df.assign(d=df["d"].map(lambda t: t.replace(day=min(t.day, 12))).dt.strftime("%m/%d/%Y"))
    us.to_csv(base / "us.csv", index=False)
    eu = df.assign(d=df["d"].dt.strftime("%Y-%m-%d"), amt=df["amt"].map(lambda v: f"{v:.2f}".replace(".", ",")))
    eu.to_csv(base / "eu.csv", index=False, sep=";")
    return base, df


def _exp(path, horizon="20w", data=None, **problem):
    return experiment_from_dict({
        "data": {"source": str(path), **(data or {})},
        "problem": {"kind": "customer_base", "target": "purchases", "entity": "cid", "time": "d", "amount": "amt",
                    "calibration_end": "2024-06-30", "horizon": horizon, **problem}})


def test_ambiguous_us_dates_are_refused_unless_a_format_is_given(log):
    base, df = log
    with pytest.raises(DataError, match=r"read both day-first and month-first.*date_format = \"%m/%d/%Y\""):
        prepare(_exp(base / "us.csv"))
    frame, _ = prepare(_exp(base / "us.csv", data={"date_format": "%m/%d/%Y"}))
    us_days = df["d"].map(lambda t: t.replace(day=min(t.day, 12)))
    assert f"Data {us_days.min():%Y-%m-%d}..{us_days.max():%Y-%m-%d}" in frame.problem.dates  # read month-first


def test_decimal_commas_need_the_decimal_option_and_are_then_read_exactly(log):
    base, df = log
    with pytest.raises(DataError, match=r"decimal comma.*decimal = \",\""):
        prepare(_exp(base / "eu.csv"))
    frame, _ = prepare(experiment_from_dict({**_raw_spend(base)}))
    cal = df[df["d"] <= "2024-06-30"]
    assert frame.train.shape[0] > 0
    # total calibration spend read from "12,34"-style text equals the float column it was written from
    spend = frame.holdout["spend_mean"] * (frame.holdout["x"] + 1)
    assert spend.sum() == pytest.approx(cal["amt"].sum(), rel=1e-9)


def _raw_spend(base):
    return {"data": {"source": str(base / "eu.csv"), "delimiter": ";", "decimal": ","},
            "problem": {"kind": "customer_base", "target": "spend", "entity": "cid", "time": "d", "amount": "amt",
                        "calibration_end": "2024-06-30", "horizon": "20w"}}


def test_holdout_window_past_the_data_names_the_last_date_or_is_allowed_explicitly(log):
    base, df = log
    opts = {"delimiter": ";", "decimal": ","}
    last = df["d"].max()
    with pytest.raises(DataError, match=f"last transaction is on {last:%Y-%m-%d}"):
        prepare(_exp(base / "eu.csv", horizon="39w", data=opts))
    frame, _ = prepare(_exp(base / "eu.csv", horizon="39w", data=opts, partial_holdout=True))
    weeks = (last - pd.Timestamp("2024-06-30")).days / 7
    assert frame.problem.horizon_weeks == pytest.approx(weeks)  # the shorter window actually scored
    assert "partial_holdout = true" in frame.problem.dates


def test_text_binary_target_needs_positive(tmp_path):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.normal(size=120)})
    df["diagnosis"] = np.where(df["x"] > 0, "M", "B")
    df.to_csv(tmp_path / "bm.csv", index=False)
    raw = {"data": {"source": str(tmp_path / "bm.csv")}, "problem": {"kind": "binary", "target": "diagnosis"}}
    with pytest.raises(DataError, match=r"positive = 'M'"):
        prepare(experiment_from_dict(raw))
    frame, _ = prepare(experiment_from_dict({**raw, "problem": {**raw["problem"], "positive": "M"}}))
    x = pd.concat([frame.train["x"], frame.holdout["x"]])
    y = pd.concat([frame.train["diagnosis"], frame.holdout_y])
    assert ((x > 0).astype(float) == y.loc[x.index]).all()


def test_date_errors_state_the_expected_format():
    raw = {"data": {"builtin": "cdnow_sample"},
           "problem": {"kind": "customer_base", "target": "purchases", "entity": "customer_id", "time": "date",
                       "calibration_end": "30/06/2024", "horizon": "39w"}}
    with pytest.raises(ConfigError, match=r"calibration_end.*YYYY-MM-DD"):
        experiment_from_dict(raw)
