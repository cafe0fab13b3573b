"""The runner under the boxes: TIMEOUT, FAILED and SKIPPED rows, and a total box that holds."""

from __future__ import annotations

import time

import pytest

from bakeoff import prepare, run
from bakeoff.candidates.registry import Spec
from bakeoff.climb.ladder import ClimbPlan, climb
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.core.records import Status

NOOP = {"data": {"builtin": "breast_cancer"},
        "problem": {"kind": "binary", "target": "benign", "key": "row_id"}, "score": {"bootstrap": 0}}


@pytest.fixture(scope="module")
def frame():
    return prepare(experiment_from_dict(NOOP))[0]


def exp(total: str, per: str, workers: int | None = None):
    raw = {**NOOP, "timebox": {"total": total, "per_candidate": per}}
    if workers:
        raw["executor"] = {"workers": workers}
    return experiment_from_dict(raw)


def test_hanging_candidates_time_out_and_the_run_goes_on(frame):
    specs = [Spec("loop", "bakeoff.candidates.testing:Hang", {"mode": "python"}),
             Spec("blas", "bakeoff.candidates.testing:Hang", {"mode": "c"}),
             Spec("mean", "baselines.naive:Mean")]
    start = time.monotonic()
    rows = climb(exp("30s", "1.5s", workers=1), frame, specs, lambda *_: None).rows
    took = time.monotonic() - start
    assert [r.status for r in rows] == ["TIMEOUT", "TIMEOUT", "OK"]
    assert all(1.4 < r.fit_s < 1.5 + 2.0 for r in rows[:2])
    assert took < 2 * 1.5 + 2.0 + 5.0


def test_total_box_holds_and_later_candidates_are_skipped(frame):
    specs = [Spec("loop", "bakeoff.candidates.testing:Hang"), Spec("loop2", "bakeoff.candidates.testing:Hang"),
             Spec("mean", "baselines.naive:Mean")]
    start = time.monotonic()
    rows = climb(exp("2s", "2s", workers=1), frame, specs, lambda *_: None).rows
    assert time.monotonic() - start < 2.0 + 2.0
    assert rows[0].status is Status.TIMEOUT
    assert rows[1].status is Status.SKIPPED and rows[1].message == "timebox exhausted"
    assert rows[2].status is Status.SKIPPED


def test_total_box_holds_with_two_workers(frame):
    """Two hanging candidates run side by side: both are killed at the total box, the third cannot start."""
    specs = [Spec("loop", "bakeoff.candidates.testing:Hang"), Spec("loop2", "bakeoff.candidates.testing:Hang"),
             Spec("mean", "baselines.naive:Mean")]
    start = time.monotonic()
    rows = climb(exp("2s", "2s", workers=2), frame, specs, lambda *_: None).rows
    assert time.monotonic() - start < 2.0 + 2.0
    assert [r.status for r in rows] == [Status.TIMEOUT, Status.TIMEOUT, Status.SKIPPED]
    assert rows[2].message == "timebox exhausted"


@pytest.mark.parametrize("mode,expected", [("raise", "RuntimeError: deliberate failure"),
                                           ("segfault", "SIGSEGV"),
                                           ("nan", "NaN or infinite predictions"),
                                           ("short", "predictions for 142 holdout rows")])
def test_failures_become_rows(frame, mode, expected):
    rows = climb(exp("60s", "30s"), frame, [Spec("bad", "bakeoff.candidates.testing:Crash", {"mode": mode})],
                 lambda *_: None).rows
    assert rows[0].status is Status.FAILED and expected in rows[0].message
    if mode == "raise":  # the full traceback is kept for results.json, down to the raising line
        assert rows[0].traceback.startswith("Traceback") and "in fit" in rows[0].traceback
        assert rows[0].to_json()["traceback"] == rows[0].traceback
    if mode == "segfault":  # nothing to trace: the worker died
        assert rows[0].traceback is None


def test_same_seed_same_table(tmp_path):
    raw = {**NOOP, "score": {"bootstrap": 100}, "ladder": {"include": ["mean", "glm", "decision_tree", "xgboost"]}}
    a = run(experiment_from_dict(raw), write=False).table
    b = run(experiment_from_dict(raw), write=False).table
    cols = ["status", "primary", "ci_low", "ci_high", "vs_best", "vs_best_p", "best_set", "shortfall_low",
            "pareto", "dominated_by", "chosen"]  # costs are compared with a noise margin: flags repeat
    assert a[cols].equals(b[cols])


def test_early_stop_skips_rungs_after_two_misses_decided_on_train(frame):
    from bakeoff.climb.earlystop import for_experiment

    raw = {**NOOP, "score": {"bootstrap": 200}, "ladder": {"early_stop": True, "margin": 0.9}}
    e = experiment_from_dict(raw)
    specs = [Spec("mean", "baselines.naive:Mean"), Spec("glm", "baselines.glm:GLM"),
             Spec("tree", "baselines.trees:DecisionTree"), Spec("xgb", "baselines.xgb:XGBoost")]
    ladder = [("mean", 0, "naive"), ("glm", 2, "glm"), ("tree", 3, "tree"), ("xgb", 4, "xgboost")]
    stop = for_experiment(e, frame, "roc_auc", ladder)
    assert stop.frame is not None and set(stop.frame.holdout.index) <= set(frame.train.index)
    rows = climb(e, frame, specs, lambda *_: None, ClimbPlan(stop=stop)).rows
    # neither glm (rung 2) nor the tree (rung 3) can beat the best so far by 0.9 AUC: rung 4 is not evaluated
    assert [r.status.value for r in rows] == ["OK", "OK", "OK", "SKIPPED"]
    assert rows[3].message.startswith("not evaluated: early stop (on an inner validation split of the training "
                                      "data, rungs 2 and 3 were shown not to beat the best so far")
    assert rows[1].inner_score > 0.9 and rows[0].inner_score == 0.5


@pytest.mark.parametrize(("timebox", "expected"), [
    ({"total": "20s", "per_candidate": "1.5s"}, 1.5),                 # per_candidate set: it caps the tuner too
    ({"total": "20s", "per_candidate": "1.5s", "tuner": "3s"}, 3.0),  # an explicit tuner box
])
def test_a_box_filling_tuner_gets_its_own_box(frame, timebox, expected):
    """The tuner fills the box it is given; the other candidates keep per_candidate."""
    raw = {**NOOP, "timebox": timebox, "executor": {"workers": 1}}
    specs = [Spec("mean", "baselines.naive:Mean"),
             Spec("fill", "bakeoff.candidates.testing:FillBox", {"stop_before": 0.3})]
    mean, fill = climb(experiment_from_dict(raw), frame, specs, lambda *_: None).rows
    assert mean.status is Status.OK and fill.status is Status.OK
    assert fill.box_s == pytest.approx(expected) and mean.box_s == pytest.approx(1.5)
    assert expected - 0.3 - 0.5 < fill.fit_s < expected     # it filled the box it was given


def test_tuner_box_config():
    """Unset per_candidate: ordinary candidates 120 s, a tuner the rest of the total box (inf before capping)."""
    from bakeoff.candidates.testing import FillBox
    from bakeoff.climb.ladder import candidate_box
    from bakeoff.core.errors import ConfigError
    from baselines.naive import Mean

    unset = experiment_from_dict({**NOOP, "timebox": {"total": "10m"}})
    assert candidate_box(unset, FillBox()) == float("inf") and candidate_box(unset, Mean()) == 120.0
    per = experiment_from_dict({**NOOP, "timebox": {"total": "10m", "per_candidate": "3m"}})
    assert candidate_box(per, FillBox()) == 180.0 == candidate_box(per, Mean())
    tuner = experiment_from_dict({**NOOP, "timebox": {"total": "10m", "tuner": "4m"}})
    assert candidate_box(tuner, FillBox()) == 240.0 and candidate_box(tuner, Mean()) == 120.0
    assert experiment_from_dict({**NOOP, "timebox": {"total": "30s"}}).timebox.total == 30  # no clash with the default
    with pytest.raises(ConfigError, match=r"\[timebox\].tuner \(600s\) must not exceed"):
        experiment_from_dict({**NOOP, "timebox": {"total": "5m", "tuner": "10m"}})
