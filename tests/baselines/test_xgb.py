"""xgboost_tuned: folds that respect the split, the default as trial 0, early-stopped rounds, objectives."""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest

from bakeoff import prepare
from bakeoff.candidates.contract import Budget
from bakeoff.core.errors import CandidateError
from baselines.trees import HistGBM, RandomForest
from baselines.xgb import TunedXGBoost as Tuned
from baselines.xgb import XGBoost
from baselines.xgb_cv import cv_trial, forward_folds, make_folds, predict_seconds, refit_rounds, refit_seconds
from baselines.xgb_search import Search, Trial
from tests.conftest import tabular


@pytest.fixture(scope="module")
def binary():
    return prepare(tabular("binary"))[0].without_truth()


@pytest.fixture(scope="module")
def regression():
    return prepare(tabular("regression"))[0].without_truth()


def test_stratified_folds_partition_rows_and_keep_the_base_rate(seed):
    y = (np.random.default_rng(seed).random(503) < 0.3).astype(float)
    folds, text = make_folds(y, 5, seed, task="binary")
    assert text == "5-fold stratified CV" and len(folds) == 5
    assert np.array_equal(np.sort(np.concatenate([v for _, v in folds])), np.arange(503))
    for fit, val in folds:
        assert not set(fit) & set(val)
        assert abs(y[val].sum() - y.sum() / 5) <= 1.0


def test_forward_folds_train_on_the_past_only_and_keep_ties_together(seed):
    when = np.random.default_rng(seed).integers(0, 40, size=300).astype("datetime64[D]")
    folds = forward_folds(when, 4)
    assert len(folds) == 4
    sizes = [len(f) for f, _ in folds]
    assert sizes == sorted(sizes) and sizes[0] > 0
    for fit, val in folds:
        assert when[fit].max() < when[val].min()
    # the validation blocks are disjoint and, with the first fit block, cover every row
    cover = np.concatenate([folds[0][0], *[v for _, v in folds]])
    assert np.array_equal(np.sort(cover), np.arange(300))
    _, text = make_folds(np.zeros(300), 4, seed, task="regression", time_order=when)
    assert text.startswith("forward-chaining CV by time, 4 folds")


def test_group_folds_never_split_a_group(seed):
    groups = np.repeat(np.arange(23), 7)
    folds, text = make_folds(np.zeros(len(groups)), 5, seed, task="regression", groups=groups)
    assert "group" in text
    for fit, val in folds:
        assert not set(groups[fit]) & set(groups[val])


def test_refit_rounds_scale_with_the_rows_the_folds_trained_on():
    info = {"rounds": [90, 110, 130], "n_fit": [200, 200, 200], "fit_s": [1.0, 2.0, 3.0],
            "trained": [140, 160, 180]}
    # k-fold: mean best round 110 x 300 / 200 rows
    assert refit_rounds(info, 300, forward=False, cap=3000) == 165
    # forward chaining: the last (largest) fold's 130 x 300 / 200
    assert refit_rounds(info, 300, forward=True, cap=3000) == 195
    assert refit_rounds(info, 300, forward=False, cap=150) == 150
    # seconds per round per row: mean of 1/(140*200), 2/(160*200), 3/(180*200), times 165 rounds x 300 rows
    per = np.mean([1 / 28000, 2 / 32000, 3 / 36000])
    assert refit_seconds(info, 300, 165) == pytest.approx(per * 165 * 300)


def test_default_trial_is_the_xgboost_rung_on_independent_folds(regression):
    """Trial 0 scores exactly library-default XGBoost on the folds; with one trial the refit is that rung."""
    import xgboost as xgb
    from sklearn.metrics import mean_squared_error
    from sklearn.model_selection import KFold

    cand = Tuned(max_trials=1).fit(regression, budget=Budget.of(120), seed=7)
    X = cand.design_.transform(regression.train).to_numpy()
    y = regression.y_train.to_numpy(float)
    ref = [np.sqrt(mean_squared_error(y[v], xgb.XGBRegressor(tree_method="hist", n_jobs=1).fit(X[f], y[f])
                                      .predict(X[v]))) for f, v in KFold(5, shuffle=True, random_state=7).split(X)]
    d = cand.describe()
    assert d["default_cv"] == pytest.approx(np.mean(ref), rel=1e-6)
    assert d["best_cv_loss"] == d["default_cv"] and d["stopped_by"] == "max_trials" and d["trials"] == 1
    plain = XGBoost().fit(regression, budget=Budget.of(60), seed=3)
    assert np.allclose(cand.predict(regression), plain.predict(regression))


def test_tuned_is_never_worse_than_default_and_refits_with_the_folds_rounds(binary):
    cand = Tuned(max_trials=5, folds=3).fit(binary, budget=Budget.of(120), seed=1)
    d = cand.describe()
    assert d["validation"] == "3-fold stratified CV" and d["metric"] == "log_loss"
    assert d["trials_complete"] == 5 and [h["kind"] for h in d["history"]] == ["default"] + ["search"] * 4
    values = [h["value"] for h in d["history"]]
    assert d["best_cv_loss"] == min(values) <= d["default_cv"] == values[0]
    best = d["history"][d["best_trial"]]
    if best["kind"] == "search":
        assert cand.model_.get_params()["n_estimators"] == d["refit_rounds"] == best["rounds"]
        assert cand.model_.get_params()["early_stopping_rounds"] is None


def test_objective_follows_the_target_and_is_stated(cdnow_frame, regression):
    count = Tuned(max_trials=2, folds=2).fit(cdnow_frame.without_truth(), budget=Budget.of(120), seed=0)
    d = count.describe()
    assert d["objective"] == "count:poisson" and "Poisson" in d["objective_reason"]
    assert d["metric"] == "poisson_deviance"
    reg = Tuned(max_trials=4, folds=2).fit(regression, budget=Budget.of(120), seed=0).describe()
    # diabetes progression is non-negative: squared error vs Tweedie is searched and the choice stated
    assert "Tweedie" in reg["objective_reason"] and reg["objective"] in reg["objective_reason"]


def test_time_split_validates_forward(regression):
    timed = dataclasses.replace(regression, train_time=np.arange(len(regression.train)).astype("datetime64[D]"))
    d = Tuned(max_trials=2, folds=3).fit(timed, budget=Budget.of(120), seed=0).describe()
    assert d["validation"].startswith("forward-chaining CV by time, 3 folds")


def test_parallel_workers_complete_every_trial(binary):
    d = Tuned(max_trials=4, folds=2, workers=2).fit(binary, budget=Budget.of(120), seed=0).describe()
    assert d["workers"] == 2 and d["trials_complete"] == 4


def _settle_point(values: list[float], settle: int, gain: float) -> int:
    """Hand-computed: the last told trial before the search settles (losses in trial order)."""
    best, gain_at = float("inf"), 0
    for k, v in enumerate(values):
        if best == float("inf") or v < best - gain * abs(best):
            gain_at = k
        best = min(best, v)
        if k - gain_at >= settle:
            return k
    raise AssertionError("never settled")


def test_parallel_search_settles_and_is_the_same_in_every_run(binary):
    runs = []
    for _ in range(2):
        cand = Tuned(folds=2, workers=2, settle=6, settle_gain=0.01, settle_noise=0.0).fit(
            binary, budget=Budget.of(300), seed=3)
        runs.append((cand.describe(), cand.predict(binary)))
    (a, pa), (b, pb) = runs
    assert a["stopped_by"] == "settled" == b["stopped_by"]
    assert [(t["trial"], t["value"]) for t in a["history"]] == [(t["trial"], t["value"]) for t in b["history"]]
    assert a["best_trial"] == b["best_trial"] and np.array_equal(pa.to_numpy(), pb.to_numpy())
    losses = [t["value"] for t in a["history"]]  # log loss: lower is better
    last = _settle_point(losses, 6, 0.01)
    # the window keeps workers - 1 trials in flight after the trial that settled the search
    assert len(losses) == last + 2
    assert a["best_cv_loss"] == min(losses)


def _stub(best: list[float], gain: float = 0.002, noise: float = 1.0):
    cand = types.SimpleNamespace(settle_gain=gain, settle_noise=noise)
    return types.SimpleNamespace(cand=cand, best_told=float(np.mean(best)), best_folds=best)


def test_a_gain_counts_only_when_the_paired_folds_can_tell_it_from_noise():
    best = [0.10, 0.12, 0.08, 0.11, 0.09]  # mean 0.100
    steady = Trial(1, "search", {}, early_stop=True, loss=0.0986, fold_losses=[0.098, 0.119, 0.079, 0.108, 0.089])
    # paired differences 0.002, 0.001, 0.001, 0.002, 0.001: mean 0.0014, sd 0.000548, se 0.000245 < 0.0014
    assert Search.gains(_stub(best), steady)
    noisy = Trial(2, "search", {}, early_stop=True, loss=0.0986, fold_losses=[0.13, 0.09, 0.11, 0.08, 0.083])
    # differences -0.03, 0.03, -0.03, 0.03, 0.007: mean 0.0014 again, but sd 0.0302, se 0.0135 > 0.0014
    assert not Search.gains(_stub(best), noisy)
    assert Search.gains(_stub(best, noise=0.0), noisy)  # the relative rule alone counts it (1.4% > 0.2%)
    assert not Search.gains(_stub(best, gain=0.02), steady)  # 1.4% is under a 2% settle_gain


def test_a_small_frame_settles_instead_of_filling_its_box(binary):
    cand = Tuned(workers=2).fit(binary, budget=Budget.of(240), seed=7)
    d = cand.describe()
    assert d["stopped_by"] == "settled" and d["trials_complete"] >= 50  # 50 trials without a real gain
    assert d["best_cv_loss"] == min(t["value"] for t in d["history"] if t["state"] == "COMPLETE")


def test_box_not_trial_count_ends_the_search(binary):
    cand = Tuned(folds=2, settle=0).fit(binary, budget=Budget.of(6), seed=0)
    d = cand.describe()
    assert d["stopped_by"] == "box" and d["trials_complete"] >= 1 and cand.model_ is not None


def test_a_metric_that_cannot_validate_is_a_clear_error(binary):
    with pytest.raises(CandidateError, match="metric 'poisson_deviance' cannot validate a binary target"):
        Tuned(metric="poisson_deviance").fit(binary, budget=Budget.of(30), seed=0)


def test_hist_gbm_stops_early_on_larger_data_and_random_forest_splits_counts_on_poisson(seed, cdnow_frame):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(3000, 4))
    y = X[:, 0] + rng.normal(scale=0.5, size=3000)
    big = HistGBM().make("regression", seed, 1, n_rows=3000).fit(X, y)
    assert big.early_stopping and big.n_iter_ < big.max_iter == 1000
    small = HistGBM().make("regression", seed, 1, n_rows=500)
    assert small.early_stopping is False and small.max_iter == 100
    rf = RandomForest(n_estimators=10).fit(cdnow_frame.without_truth(), budget=Budget.of(60), seed=seed)
    assert rf.model_.criterion == "poisson"


def test_group_split_gives_group_folds(tmp_path, seed):
    import pandas as pd

    from bakeoff.config.experiment import experiment_from_dict

    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"patient": np.repeat(np.arange(60), 5), "x": rng.normal(size=300)})
    df["y"] = df["x"] + rng.normal(size=300)
    df.to_csv(tmp_path / "d.csv", index=False)
    exp = experiment_from_dict({"data": {"source": str(tmp_path / "d.csv")}, "problem": {
        "kind": "regression", "target": "y", "split": {"method": "group", "column": "patient", "holdout": 0.25}}})
    frame = prepare(exp)[0].without_truth()
    assert len(frame.train_groups) == len(frame.train) and "patient" not in frame.features
    d = Tuned(max_trials=1, folds=3).fit(frame, budget=Budget.of(120), seed=0).describe()
    assert d["validation"] == "3-fold group CV (no group in two folds)"


def test_the_predict_margin_scales_the_folds_predict_seconds_to_the_holdout():
    """Hand-computed: 0.2 s for 10 rounds x 100 rows and 0.4 s for 20 x 100 are both 2e-4 s per round per row."""
    info = {"predict_s": [0.2, 0.4], "rounds": [10, 20], "n_val": [100, 100]}
    assert predict_seconds(info, 1000, 50) == pytest.approx(2e-4 * 50 * 1000)
    assert predict_seconds({"rounds": [10]}, 1000, 50) == 0.0   # a trial that did not time it: no margin


def test_cv_trial_times_every_fold_prediction():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(400, 3)), rng.integers(0, 2, 400).astype(float)
    folds = make_folds(y, 3, 0, task="binary")[0]
    got = cv_trial(X, y, folds, {"objective": "binary:logistic", "n_estimators": 5, "n_jobs": 1}, "binary",
                   "log_loss")
    assert len(got["predict_s"]) == len(got["n_val"]) == 3 and all(s > 0 for s in got["predict_s"])
    assert sorted(got["n_val"]) == sorted(len(v) for _, v in folds)


def test_a_settled_search_is_replayed_on_the_same_data_and_started_warm_on_new_data(binary, tmp_path, monkeypatch):
    monkeypatch.setenv("BAKEOFF_CACHE_DIR", str(tmp_path))
    first = Tuned(folds=2, workers=2, settle=6).fit(binary, budget=Budget.of(120), seed=3)
    again = Tuned(folds=2, workers=2, settle=6).fit(binary, budget=Budget.of(120), seed=3)
    a, b = first.describe(), again.describe()
    assert a["stopped_by"] == "settled" and "replayed" not in a and b["replayed"]["fit_s"] > 0
    assert (a["trials"], a["best_trial"], a["best_params"]) == (b["trials"], b["best_trial"], b["best_params"])
    assert np.array_equal(first.predict(binary).to_numpy(), again.predict(binary).to_numpy())
    assert again.billed_fit_ == first.billed_fit_  # billed as first measured
    other_seed = Tuned(folds=2, workers=2, settle=6).fit(binary, budget=Budget.of(120), seed=4).describe()
    assert "replayed" not in other_seed  # the seed is part of the study
    forgetful = Tuned(folds=2, workers=2, settle=6, remember=False).fit(binary, budget=Budget.of(120), seed=3)
    assert "replayed" not in forgetful.describe()

    sprint2 = dataclasses.replace(binary, train=binary.train.iloc[40:])  # next sprint: other rows
    warm = Tuned(folds=2, workers=2, settle=6).fit(sprint2, budget=Budget.of(120), seed=3).describe()
    assert "replayed" not in warm and warm["warm_start"]["params"] == a["best_params"]
    kinds = [t["kind"] for t in warm["history"]]
    assert kinds[:4] == ["default", "search", "search", "search"]  # default, two starts, then the warm start


def test_a_box_cut_search_is_not_kept(binary, tmp_path, monkeypatch):
    monkeypatch.setenv("BAKEOFF_CACHE_DIR", str(tmp_path))
    cut = Tuned(folds=2, settle=0).fit(binary, budget=Budget.of(4), seed=0).describe()
    assert cut["stopped_by"] == "box" and not list(tmp_path.rglob("*.ubj"))


def test_the_value_threshold_validation_fits_the_chosen_settings_without_searching_again(binary, tmp_path,
                                                                                        monkeypatch):
    from bakeoff.candidates.contract import Capabilities
    from bakeoff.climb.inner import validation_predictions

    monkeypatch.setenv("BAKEOFF_CACHE_DIR", str(tmp_path))
    tuned = Tuned(max_trials=6, folds=3).fit(binary, budget=Budget.of(120), seed=2)
    build = Capabilities.validation_build(tuned, lambda: pytest.fail("the tuner was built again to search"))
    twin = build()
    assert type(twin) is XGBoost
    chosen = tuned.model_.get_params()
    for key in ("learning_rate", "max_depth", "n_estimators", "subsample", "objective"):
        assert twin.params.get(key, chosen[key]) == chosen[key]
    scale = lambda p: p  # noqa: E731 - no horizon on a tabular frame
    got = validation_predictions(build, binary, Budget.of(60), 5, scale)
    # the same 70/30 split fitted by hand with the chosen settings: identical predictions
    by_hand = validation_predictions(lambda: XGBoost(**twin.params), binary, Budget.of(60), 5, scale)
    assert got["y"] == by_hand["y"] and np.allclose(got["p"], by_hand["p"])
    assert Capabilities.validation_build(XGBoost(), XGBoost) is XGBoost  # any other candidate: built afresh
    assert Capabilities.validation_seconds(tuned) > 0 and Capabilities.validation_seconds(XGBoost()) == 0
    # less time left than the twin is expected to take: skipped (it would not watch the box)
    assert validation_predictions(build, binary, Budget.of(60), 5, scale, needs_s=120.0) == {}


def test_a_study_is_not_replayed_in_a_shorter_box_nor_offered_to_another_table(binary, tmp_path, monkeypatch):
    monkeypatch.setenv("BAKEOFF_CACHE_DIR", str(tmp_path))
    first = Tuned(folds=2, workers=2, settle=6).fit(binary, budget=Budget.of(120), seed=3)
    took = first.billed_fit_[0]
    short = Tuned(folds=2, workers=2, settle=6).fit(binary, budget=Budget.of(0.5 * took), seed=3).describe()
    assert "replayed" not in short  # a cold search in that box would have been cut: it searches instead
    other = dataclasses.replace(binary, features=binary.features[:-1])  # another table: one column fewer
    cold = Tuned(folds=2, workers=2, settle=6).fit(other, budget=Budget.of(120), seed=3).describe()
    assert "warm_start" not in cold and "replayed" not in cold


def test_a_cache_that_cannot_be_written_or_read_only_costs_the_memory(binary, tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("BAKEOFF_CACHE_DIR", str(blocked))  # studies/ cannot be made under a file
    fitted = Tuned(folds=2, settle=4).fit(binary, budget=Budget.of(120), seed=1)
    assert fitted.describe()["stopped_by"] == "settled"
    monkeypatch.setenv("BAKEOFF_CACHE_DIR", str(tmp_path / "cache"))
    Tuned(folds=2, settle=4).fit(binary, budget=Budget.of(120), seed=1)
    for model in (tmp_path / "cache").rglob("*.ubj"):
        model.write_bytes(b"corrupt")
    again = Tuned(folds=2, settle=4).fit(binary, budget=Budget.of(120), seed=1).describe()
    assert "replayed" not in again and again["stopped_by"] == "settled"  # searched again, not FAILED
