"""Any scikit-learn-compatible estimator named by import path, with a documented default preprocessing.

``[[candidate]] estimator = "sklearn.linear_model:LogisticRegression", params = { C = 0.1 }``.

Preprocessing (learned on the training part only, applied to the holdout):

* numeric and boolean columns pass through as numbers;
* text / categorical columns become one-hot indicators of their 20 most frequent
  training values (other and unseen values: all zeros);
* missing numeric values are filled with the training median (so estimators that
  refuse NaN work); ``scale = true`` also standardises every column (mean 0, sd 1).

``random_state`` is set to the candidate's seed and ``n_jobs`` to the candidate's
threads (when more than one) when the estimator has them and ``params`` does not set them. Binary problems
are scored on ``predict_proba`` of class 1; an estimator without it is SKIPPED.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd

from bakeoff.candidates.contract import Budget, Candidate
from bakeoff.core.errors import NotApplicable
from bakeoff.data.frame import Frame, Problem
from baselines._features import Design


class SklearnEstimator(Candidate):
    """A scikit-learn-compatible estimator behind the default preprocessing."""

    family = "sklearn"
    rung = 3
    summary = "scikit-learn estimator by import path (one-hot, median-imputed)"

    def __init__(self, *, estimator: str, params: dict[str, Any] | None = None, scale: bool = False) -> None:
        self.estimator = estimator
        self.params = dict(params or {})
        self.scale = scale

    def _class(self) -> Any:
        from bakeoff.candidates.user import import_object

        return import_object(self.estimator, f"estimator '{self.estimator}'")

    def check_applicable(self, problem: Problem) -> None:
        super().check_applicable(problem)
        from sklearn.base import is_classifier

        cls = self._class()
        if problem.task == "binary" and not hasattr(cls, "predict_proba"):
            raise NotApplicable(f"{cls.__name__} has no predict_proba; binary problems are scored on probabilities")
        if problem.task != "binary" and is_classifier(cls(**self.params)):
            raise NotApplicable(f"{cls.__name__} is a classifier; a {problem.task} target needs a regressor")

    def _make(self, seed: int, threads: int) -> Any:
        cls = self._class()
        est = cls(**self.params)
        names = est.get_params(deep=False) if hasattr(est, "get_params") else {}
        wanted = [("random_state", seed)] + ([("n_jobs", threads)] if threads > 1 else [])
        extra = {k: v for k, v in wanted if k in names and k not in self.params}
        return est.set_params(**extra) if extra else est

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        self.design_ = Design(impute=True, standardize=self.scale).fit(frame.train, frame.features)
        self.task_ = frame.problem.task
        self.model_ = self._make(seed, budget.threads)
        y = frame.y_train.to_numpy(float)
        self.model_.fit(self.design_.transform(frame.train).to_numpy(float), y.astype(int) if
                        self.task_ == "binary" else y)
        return self

    def predict(self, frame: Frame) -> pd.Series:
        X = self.design_.transform(frame.holdout).to_numpy(float)
        if self.task_ == "binary":
            classes = list(self.model_.classes_)
            pred = self.model_.predict_proba(X)[:, classes.index(1)]
        else:
            pred = self.model_.predict(X)
        return pd.Series(np.asarray(pred, dtype=float).ravel(), index=frame.holdout.index)

    def describe(self) -> dict[str, Any]:
        model = self.model_
        params = model.get_params(deep=False) if hasattr(model, "get_params") else {}
        out: dict[str, Any] = {
            "estimator": self.estimator, "preprocessing": "one-hot (top 20 levels), median imputation"
            + (", standardised" if self.scale else ""),
            "params": {k: v for k, v in params.items() if isinstance(v, int | float | str | bool) or v is None}}
        if self.design_.encoding():
            out["encoding"] = self.design_.encoding()
        coef = getattr(model, "coef_", None)
        weights = getattr(model, "feature_importances_", None)
        values = np.ravel(coef) if coef is not None else weights
        if values is not None and len(values) == len(self.design_.names):
            order = np.argsort(-np.abs(values))[:15]
            out["coefficients" if coef is not None else "importance"] = {
                self.design_.names[i]: float(values[i]) for i in order}
        return out
