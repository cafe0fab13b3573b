"""Property-based tests: config parsing and the data validator never fail with anything but a clear error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bakeoff import prepare
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.core.durations import parse_duration
from bakeoff.core.errors import BakeoffError, ConfigError

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12))
sections = st.sampled_from(["experiment", "data", "problem", "score", "timebox", "cost", "ladder", "choose",
                            "executor", "timbox", "x"])
keys = st.sampled_from(["name", "seed", "builtin", "source", "kind", "target", "total", "per_candidate",
                        "primary", "include", "rule", "tolerance", "engine", "threads", "split", "horizon", "zzz"])
docs = st.dictionaries(sections, st.dictionaries(keys, scalars | st.lists(scalars, max_size=3), max_size=4),
                       max_size=6)


@settings(max_examples=300, deadline=None)
@given(docs)
def test_config_parsing_only_raises_config_error(raw):
    try:
        exp = experiment_from_dict(raw)
    except ConfigError as exc:
        assert "\n" not in str(exc) and str(exc)
    else:
        assert exp.timebox.per_candidate <= exp.timebox.total


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=10), st.floats(allow_nan=True), st.integers(-5, 5)))
def test_duration_is_positive_or_value_error(text):
    try:
        seconds = parse_duration(text)
    except ValueError:
        return
    assert seconds > 0 and np.isfinite(seconds)


columns = st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=False, width=32), st.none(),
                             st.sampled_from(["a", "b", ""])), min_size=1, max_size=30)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=columns, x=columns, kind=st.sampled_from(["binary", "regression", "count"]))
def test_data_validator_returns_a_frame_or_a_clear_error(y, x, kind):
    n = min(len(y), len(x))
    df = pd.DataFrame({"y": y[:n], "x": x[:n]})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d.csv"
        df.to_csv(path, index=False)
        raw = {"data": {"source": str(path)}, "problem": {"kind": kind, "target": "y"}}
        try:
            frame, _ = prepare(experiment_from_dict(raw))
        except BakeoffError as exc:
            assert "\n" not in str(exc).strip()
            return
    assert len(frame.train) >= 2 and len(frame.holdout) >= 2
    assert np.isfinite(frame.y_train.to_numpy(float)).all()
