"""Load the data and build the frame every candidate fits on: the first step of every run and of ``validate``."""

from __future__ import annotations

from bakeoff.climb.ladder import Progress
from bakeoff.config.experiment import Experiment
from bakeoff.data.customers import build_customer_frame
from bakeoff.data.drift import check_expectations
from bakeoff.data.frame import Frame, build_tabular_frame
from bakeoff.data.sources import connect, load_data
from bakeoff.judge.scoring import metric_names


def prepare(exp: Experiment) -> tuple[Frame, str]:
    """Load the data and build the frame (what ``bakeoff validate`` checks)."""
    if exp.data.engine == "spark":
        from bakeoff.data.spark import build_spark_frame

        frame, origin = build_spark_frame(exp)
        metric_names(frame.problem, exp.score.primary, exp.score.metrics)
        return frame, origin
    con = connect(exp.data.memory_limit, exp.data.temp_directory)
    try:
        origin = load_data(exp, con)
        build = build_customer_frame if exp.problem.kind == "customer_base" else build_tabular_frame
        frame = build(exp, con, origin)
    finally:
        con.close()
    assert frame.holdout_y is not None
    check_expectations(exp.checks, {"train": frame.train,
                                    "holdout": frame.holdout.assign(**{frame.problem.target: frame.holdout_y})},
                       origin)
    metric_names(frame.problem, exp.score.primary, exp.score.metrics)
    return frame, origin


def load(exp: Experiment, progress: Progress) -> tuple[Frame, str]:
    """:func:`prepare` between the progress display's phases (closed if loading fails)."""
    progress("phase", {"text": "loading data"})
    try:
        frame, origin = prepare(exp)
    except BaseException:
        progress("end", {})
        raise
    progress("phase", {"text": "preparing candidates"})
    return frame, origin
