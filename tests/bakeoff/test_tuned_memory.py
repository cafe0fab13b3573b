"""A re-run of the same sprint replays the tuned rung's settled search and bills it what it cost: the table, the
flags and the choice are the same (timings aside), and the cost column does not move because a cache was warm."""

from __future__ import annotations

from bakeoff import run
from bakeoff.config.experiment import experiment_from_dict

RAW = {"experiment": {"name": "tuned_memory"}, "data": {"builtin": "breast_cancer"},
       "problem": {"kind": "binary", "target": "benign", "key": "row_id"}, "score": {"bootstrap": 50},
       "ladder": {"include": ["mean", "glm"]},
       "candidate": [{"name": "tuned_small", "family": "xgboost_tuned", "folds": 2, "settle": 6}]}


def test_a_rerun_replays_the_search_and_bills_the_same_fit(tmp_path, monkeypatch):
    monkeypatch.setenv("BAKEOFF_CACHE_DIR", str(tmp_path / "cache"))
    first = run(experiment_from_dict(RAW), write=False, progress=False)
    again = run(experiment_from_dict(RAW), write=False, progress=False)
    tuned = [next(r for r in result.rows if r.name == "tuned_small") for result in (first, again)]
    assert tuned[0].ok and "replayed" not in tuned[0].params and tuned[1].params["replayed"]
    assert tuned[1].fit_s == tuned[0].fit_s and tuned[1].fit_cpu_s == tuned[0].fit_cpu_s  # billed as it ran
    assert tuned[1].metrics == tuned[0].metrics and tuned[1].params["trials"] == tuned[0].params["trials"]
    assert tuned[1].params["best_params"] == tuned[0].params["best_params"]
    assert first.chosen == again.chosen
    for one, two in zip(first.rows, again.rows, strict=True):
        assert (one.name, one.metrics, one.pareto, one.best_set) == (two.name, two.metrics, two.pareto, two.best_set)
