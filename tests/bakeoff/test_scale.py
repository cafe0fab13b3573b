"""Real-size runs: the stratified training sample, chunked predictions, and a box that holds everything."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from bakeoff import prepare, run
from bakeoff.candidates.registry import Spec
from bakeoff.climb.ladder import climb
from bakeoff.climb.reserve import process_start
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.core.records import Status
from bakeoff.data.sampling import sample_train, strata, stratified_indices

RAW = {"data": {"builtin": "breast_cancer"}, "problem": {"kind": "binary", "target": "benign", "key": "row_id"},
       "score": {"bootstrap": 50}, "executor": {"engine": "inline"}}


@pytest.fixture(scope="module")
def frame():
    return prepare(experiment_from_dict(RAW))[0]


def test_stratified_indices_keep_each_stratum_share():
    labels = np.repeat([0, 1, 2], [600, 300, 100])
    idx = stratified_indices(labels, 100, seed=3)
    assert np.bincount(labels[idx]).tolist() == [60, 30, 10]  # hand-computed: 10% of each stratum
    assert len(np.unique(idx)) == 100 and (np.diff(idx) > 0).all()  # no repeats, original order kept
    assert np.array_equal(idx, stratified_indices(labels, 100, seed=3))
    assert not np.array_equal(idx, stratified_indices(labels, 100, seed=4))
    odd = stratified_indices(np.repeat([0, 1], [5, 5]), 3, seed=0)  # largest remainder: 1.5 + 1.5 -> 2 + 1
    assert len(odd) == 3


def test_strata_of_zero_inflated_targets():
    y = np.r_[np.zeros(50), np.arange(1, 51, dtype=float)]
    s = strata(y, "count")
    assert (s[:50] == 0).all() and np.bincount(s[50:])[1:].tolist() == [10, 10, 10, 10, 10]
    assert strata(np.array([0.0, 1.0, 1.0]), "binary").tolist() == [0, 1, 1]


def test_ml_rungs_train_on_the_sample_cheaper_rungs_on_all(frame):
    exp = experiment_from_dict({**RAW, "ladder": {"train_sample": 200}})
    specs = [Spec("mean", "baselines.naive:Mean"), Spec("decision_tree", "baselines.trees:DecisionTree")]
    rows = climb(exp, frame, specs, lambda *_: None).rows
    assert [r.status for r in rows] == [Status.OK, Status.OK]
    assert rows[0].train_rows == len(frame.train) and rows[1].train_rows == 200
    sampled = sample_train(frame, 200, exp.seed)
    share = frame.y_train.mean()
    assert abs(sampled.y_train.mean() - share) <= 1 / 200  # stratified: the class mix is kept
    assert sample_train(frame, 10_000, exp.seed) is frame


def test_chunked_predictions_equal_whole(frame):
    from bakeoff.candidates.contract import Budget
    from bakeoff.climb.worker import predict_in_chunks
    from baselines.trees import DecisionTree

    tree = DecisionTree().fit(frame, budget=Budget.of(60), seed=0)
    whole = tree.predict(frame).to_numpy()
    assert np.array_equal(predict_in_chunks(tree, frame, 37), whole)


def test_box_counts_from_the_start_and_results_json_wall(tmp_path):
    """A run whose clock started nearly a box ago has no time left for candidates: they are SKIPPED."""
    exp = experiment_from_dict({**RAW, "ladder": {"include": ["mean", "decision_tree"]},
                                "timebox": {"total": "30s", "per_candidate": "10s"}})
    res = run(exp, out=tmp_path / "late", history=None, started=time.monotonic() - 29.0)
    assert all(r.status is Status.SKIPPED and r.message == "timebox exhausted" for r in res.rows)
    on_time = run(exp, out=tmp_path / "now", history=None)
    doc = json.loads((tmp_path / "now" / "results.json").read_text())
    assert [r.status for r in on_time.rows] == [Status.OK, Status.OK]
    assert 0 < doc["reserve_s"] and doc["wall_s"] <= on_time.wall_s
    assert doc["train_sample"] == {"rows": 100_000, "from_rung": 3}


def test_process_start_is_in_the_past():
    assert process_start() <= time.monotonic()


def test_report_states_sample_sizes(tmp_path):
    exp = experiment_from_dict({**RAW, "ladder": {"include": ["mean", "decision_tree"], "train_sample": 150}})
    res = run(exp, out=tmp_path / "r", history=None)
    text = (tmp_path / "r" / "report.md").read_text()
    assert f"seeded sample of 150 of the {res.n_train:,} training rows" in text


def test_frame_files_round_trip_without_copies(frame, cdnow_frame, tmp_path):
    import pandas as pd

    from bakeoff.data.framefile import read_frame, write_frame

    for i, f in enumerate((frame.without_truth(), cdnow_frame.without_truth())):
        back = read_frame(write_frame(f, tmp_path / str(i)))
        pd.testing.assert_frame_equal(back.train, f.train, check_exact=True)
        pd.testing.assert_frame_equal(back.holdout, f.holdout, check_exact=True)
        assert back.problem == f.problem and back.features == f.features and back.holdout_y is None
        col = back.holdout[f.features[0]].to_numpy()
        assert not col.flags.owndata  # a view of the memory-mapped Arrow buffer, not a private copy
