"""The probe cache: reused only for the same candidate, data, versions and machine; a re-run measures nothing twice."""

from __future__ import annotations

import dataclasses
import json
import os
import time

import pytest

from bakeoff import prepare
from bakeoff.candidates.registry import LADDER, Spec
from bakeoff.climb.ladder import climb
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.cost import probecache
from bakeoff.cost.probe import Probed
from bakeoff.data.framefile import write_frame
from baselines.naive import Mean
from baselines.sql_rules import SqlRule

RAW = {"data": {"builtin": "breast_cancer"}, "problem": {"kind": "binary", "target": "benign", "key": "row_id"},
       "score": {"bootstrap": 0}, "timebox": {"total": "5m", "per_candidate": "60s"}, "executor": {"workers": 1}}


@pytest.fixture(scope="module")
def frame():
    return prepare(experiment_from_dict(RAW))[0]


def test_the_data_digest_is_stable_and_sees_one_changed_value(frame, tmp_path):
    part = frame.without_truth()
    write_frame(part, tmp_path / "a")
    write_frame(part, tmp_path / "b")
    changed = part.train.copy()
    changed.iloc[3, 0] += 1e-9
    write_frame(dataclasses.replace(part, train=changed), tmp_path / "c")
    a, b, c = (probecache.digest_files([tmp_path / x]) for x in "abc")
    assert a == b and a != c


def test_the_key_changes_with_whatever_sets_the_seconds():
    base = ("baselines.naive:Mean", {}, Mean, "data1", 1, 7)
    k = probecache.key(*base)
    assert k == probecache.key(*base)
    assert k != probecache.key("baselines.naive:Mean", {"x": 1}, Mean, "data1", 1, 7)   # parameters
    assert k != probecache.key("baselines.naive:Mean", {}, Mean, "data2", 1, 7)         # data
    assert k != probecache.key("baselines.naive:Mean", {}, Mean, "data1", 2, 7)         # threads
    assert k != probecache.key("baselines.naive:Mean", {}, Mean, "data1", 1, 8)         # seed
    assert k != probecache.key("baselines.sql_rules:SqlRule", {}, SqlRule, "data1", 1, 7)  # class and its source


def test_another_machine_or_library_version_is_probed_again(monkeypatch):
    args = ("baselines.naive:Mean", {}, Mean, "data1", 1, 7)
    here = probecache.key(*args)
    env = probecache.machine_environment()
    for change in ({"host": "elsewhere"}, {"cores": 64}, {"libraries": {**env["libraries"], "numpy": "0.0"}},
                   {"probe_code": "edited"}):
        monkeypatch.setattr(probecache, "machine_environment", lambda change=change: {**env, **change})
        assert probecache.key(*args) != here


def test_a_box_filling_tuner_is_never_cached(frame, tmp_path, monkeypatch):
    monkeypatch.setenv("BAKEOFF_CACHE_DIR", str(tmp_path))
    spec = Spec("fill", "bakeoff.candidates.testing:FillBox", {"stop_before": 0.3})
    exp = experiment_from_dict({**RAW, "timebox": {"total": "5m", "per_candidate": "60s", "tuner": "2s"}})
    rows = [climb(exp, frame, [spec], lambda *_: None).rows[0] for _ in range(2)]
    assert [r.probe_cached for r in rows] == [False, False] and all(r.ok for r in rows)
    assert not list((tmp_path / "probes").glob("*.json"))


def test_an_edited_sql_file_is_probed_again(tmp_path):
    rule = tmp_path / "rule.sql"
    rule.write_text("-- name: r\nSELECT 1\n")
    first = probecache.key("baselines.sql_rules:SqlRule", {"file": str(rule)}, SqlRule, "d", 1, 0)
    rule.write_text("-- name: r\nSELECT 2\n")
    assert first != probecache.key("baselines.sql_rules:SqlRule", {"file": str(rule)}, SqlRule, "d", 1, 0)


def test_store_and_lookup_round_trip_expire_and_survive_garbage(tmp_path):
    probed = Probed([[10.0, 0.1], [40.0, 0.3]], [[100.0, 1.0]], False)
    probecache.store("k", probed, tmp_path)
    assert probecache.lookup("k", tmp_path) == probed
    assert probecache.lookup("other", tmp_path) is None
    doc = json.loads((tmp_path / "k.json").read_text())
    doc["created"] = time.time() - (probecache.MAX_AGE_DAYS + 1) * 86400
    (tmp_path / "k.json").write_text(json.dumps(doc))
    assert probecache.lookup("k", tmp_path) is None          # too old: measured again
    (tmp_path / "k.json").write_text("{not json")
    assert probecache.lookup("k", tmp_path) is None
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_a_rerun_reuses_the_probes_and_the_table_is_the_same(frame, tmp_path, monkeypatch):
    monkeypatch.setenv("BAKEOFF_CACHE_DIR", str(tmp_path))
    specs = [Spec("mean", *LADDER["mean"]), Spec("glm", *LADDER["glm"])]
    exp = experiment_from_dict(RAW)
    first = climb(exp, frame, specs, lambda *_: None).rows
    second = climb(exp, frame, specs, lambda *_: None).rows
    assert [r.probe_cached for r in first] == [False, False]
    assert [r.probe_cached for r in second] == [True, True]
    for a, b in zip(first, second, strict=True):
        assert a.predict_points == b.predict_points and a.fit_points == b.fit_points
        assert a.predict_points and b.probe_s < a.probe_s
    assert len(list((tmp_path / "probes").glob("*.json"))) == 2
    off = experiment_from_dict({**RAW, "cost": {"probe_cache": False}})
    assert [r.probe_cached for r in climb(off, frame, specs, lambda *_: None).rows] == [False, False]


def test_a_probe_cut_short_by_a_small_box_is_not_kept(frame, tmp_path, monkeypatch):
    monkeypatch.setenv("BAKEOFF_CACHE_DIR", str(tmp_path))
    small = experiment_from_dict({**RAW, "timebox": {"total": "5m", "per_candidate": "5s"}})
    rows = climb(small, frame, [Spec("mean", *LADDER["mean"])], lambda *_: None).rows
    assert rows[0].ok and rows[0].probe_cached is False
    assert not list((tmp_path / "probes").glob("*.json"))
