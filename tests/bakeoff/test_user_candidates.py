"""User candidate classes and scikit-learn estimators by import path, checked against sklearn itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bakeoff import prepare, run
from bakeoff.candidates.contract import Budget
from bakeoff.candidates.registry import Spec, resolve_ladder
from bakeoff.candidates.testing import check_candidate
from bakeoff.config.experiment import experiment_from_dict, load_experiment
from bakeoff.core.errors import ConfigError
from bakeoff.data.frame import Frame, Problem
from baselines.estimator import SklearnEstimator
from tests.conftest import ROOT, tabular

CUSTOM = ROOT / "experiments" / "custom" / "custom.toml"


@pytest.fixture(scope="module")
def cancer() -> Frame:
    return prepare(tabular("binary"))[0]


def test_estimator_matches_sklearn_directly(cancer: Frame, seed: int) -> None:
    from sklearn.linear_model import LogisticRegression

    cand = SklearnEstimator(estimator="sklearn.linear_model:LogisticRegression", params={"C": 0.05}, scale=True)
    pred = cand.fit(cancer.without_truth(), budget=Budget.of(60), seed=seed).predict(cancer.without_truth())
    cols = list(cancer.features)
    mu, sd = cancer.train[cols].mean(), cancer.train[cols].std()  # standardised with the training rows only
    ref = LogisticRegression(C=0.05, random_state=seed).fit((cancer.train[cols] - mu) / sd, cancer.y_train.astype(int))
    expect = ref.predict_proba((cancer.holdout[cols] - mu) / sd)[:, 1]
    np.testing.assert_allclose(pred.to_numpy(), expect, rtol=1e-5)
    assert cand.model_.random_state == seed  # the candidate's seed, not the global RNG


def test_estimator_regression_scaled_matches_ridge() -> None:
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import StandardScaler

    frame = prepare(tabular("regression"))[0]
    cand = SklearnEstimator(estimator="sklearn.linear_model:Ridge", params={"alpha": 3.0}, scale=True)
    pred = cand.fit(frame, budget=Budget.of(60), seed=0).predict(frame)
    cols = list(frame.features)
    # the wrapper standardises with the sample sd (ddof=1); StandardScaler uses ddof=0: rescale alpha to match
    n = len(frame.train)
    scaler = StandardScaler().fit(frame.train[cols])
    ref = Ridge(alpha=3.0 * n / (n - 1)).fit(scaler.transform(frame.train[cols]), frame.y_train)
    np.testing.assert_allclose(pred.to_numpy(), ref.predict(scaler.transform(frame.holdout[cols])), rtol=1e-6)


def test_default_preprocessing_one_hot_and_missing() -> None:
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(3)
    n = 80
    df = pd.DataFrame({"x": rng.normal(size=n), "city": rng.choice(["a", "b", "c"], n)}, index=np.arange(n))
    df["y"] = 2 * df["x"] + df["city"].map({"a": 0.0, "b": 1.0, "c": -1.0}) + rng.normal(scale=0.1, size=n)
    df.loc[[5, 50], "x"] = np.nan
    train, hold = df.iloc[:60], df.iloc[60:].drop(columns="y")
    hold.loc[70, "city"] = "unseen"
    frame = Frame(Problem("regression", "regression", "y", "row"), train, hold, ("x", "city"))
    pred = SklearnEstimator(estimator="sklearn.linear_model:LinearRegression").fit(
        frame, budget=Budget.of(60), seed=0).predict(frame)

    def design(part: pd.DataFrame) -> np.ndarray:  # median-filled x, one indicator per training level
        x = part["x"].fillna(train["x"].median())
        levels = train["city"].value_counts().index
        return np.column_stack([x, *[(part["city"] == lv).astype(float) for lv in levels]])

    ref = LinearRegression().fit(design(train), train["y"]).predict(design(hold))
    np.testing.assert_allclose(pred.to_numpy(), ref, rtol=1e-8)


def test_not_applicable_rows(cancer: Frame) -> None:
    from bakeoff.core.errors import NotApplicable

    with pytest.raises(NotApplicable, match="no predict_proba"):
        SklearnEstimator(estimator="sklearn.svm:LinearSVC").check_applicable(cancer.problem)
    with pytest.raises(NotApplicable, match="is a classifier"):
        SklearnEstimator(estimator="sklearn.tree:DecisionTreeClassifier").check_applicable(
            Problem("regression", "regression", "y", "row"))


def test_user_class_passes_the_conformance_suite(cancer: Frame) -> None:
    sys.path.insert(0, str(CUSTOM.parent))
    try:
        cand = check_candidate("my_models:UnitWeights", cancer, top=4)
    finally:
        sys.path.remove(str(CUSTOM.parent))
    assert cand is not None and len(cand.columns_) == 4
    check_candidate(Spec("logreg", "baselines.estimator:SklearnEstimator",
                         {"estimator": "sklearn.linear_model:LogisticRegression", "scale": True}),
                    cancer)


def test_custom_example_resolves_with_rungs_and_paths() -> None:
    specs = {s.name: s for s in resolve_ladder(load_experiment(CUSTOM))}
    assert specs["logreg"].rung == 2 and specs["knn"].rung == 3 and specs["unit_weights"].rung == 2
    assert specs["unit_weights"].paths == (str(CUSTOM.parent.resolve()),)
    assert specs["logreg"].params == {"scale": True, "estimator": "sklearn.linear_model:LogisticRegression",
                                      "params": {"C": 0.1, "max_iter": 1000}}


def test_user_candidates_run_in_isolated_workers(tmp_path: Path) -> None:
    """The forked workers import the user's module from the experiment folder too."""
    exp = load_experiment(CUSTOM)
    raw = exp.model_dump(exclude={"path"}, exclude_none=True, by_alias=True)
    raw["ladder"] = {"include": ["mean"]}
    raw["candidate"] = [c for c in raw["candidate"] if c["name"] != "knn"]
    raw["score"] = {"bootstrap": 0}
    res = run(experiment_from_dict(raw, path=CUSTOM), out=tmp_path / "out", history=None)
    rows = {r.name: r for r in res.rows}
    assert rows["unit_weights"].status == "OK" and rows["logreg"].status == "OK", [r.message for r in res.rows]
    assert rows["unit_weights"].metrics["roc_auc"] > 0.95


@pytest.mark.parametrize("entry, words", [
    ({"estimator": "sklearn.linear_model:LogisticRegression", "params": {"c": 1}}, "Did you mean 'C'?"),
    ({"estimator": "sklearn.ensemble:RandomForestClassifier", "params": {"n_estimator": 5}},
     "Did you mean 'n_estimators'?"),
    ({"estimator": "sklearn.linear_model:LogisticRegresion"}, "Did you mean 'LogisticRegression'?"),
    ({"estimator": "sklearn.linear_mod:Ridge"}, "cannot import module 'sklearn.linear_mod'"),
    ({"estimator": "sklearn.linear_model"}, "must be an import path"),
    ({"class": "baselines.naive:Mean", "estimator": "x:y"}, "one of family, class or estimator"),
    ({"family": "glm", "class": "baselines.naive:Mean"}, "one of family, class or estimator"),
    ({}, "needs family"),
    ({"class": "bakeoff.core.errors:did_you_mean"}, "must be a class with fit"),
])
def test_config_errors_name_the_candidate(entry: dict, words: str) -> None:
    exp = tabular("binary", candidate=[{"name": "mine", **entry}])
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace("?", r"\?")) as err:
        resolve_ladder(exp)
    assert "[[candidate]] 'mine'" in str(err.value)


def test_validate_exit_2_on_misspelled_hyperparameter(tmp_path: Path) -> None:
    text = CUSTOM.read_text().replace("C = 0.1", "C = 0.1, max_iters = 5")
    (tmp_path / "my_models.py").write_text((CUSTOM.parent / "my_models.py").read_text())
    (tmp_path / "c.toml").write_text(text)
    out = subprocess.run([sys.executable, "-m", "bakeoff.cli", "validate", str(tmp_path / "c.toml")],
                         capture_output=True, text=True)
    assert out.returncode == 2, out.stderr
    assert "'max_iters'. Did you mean 'max_iter'?" in out.stderr and "Traceback" not in out.stderr
