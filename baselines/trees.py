"""Rung 3: scikit-learn trees — a shallow decision tree, a random forest, histogram boosting."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd

from bakeoff.candidates.contract import Budget, Candidate
from bakeoff.candidates.state import ModelFileError, State
from bakeoff.data.frame import Frame
from baselines._features import Design


class _SklearnModel(Candidate):
    """Shared fit/predict for scikit-learn estimators."""

    rung = 3
    family = "tree"

    estimators: tuple[str, ...] = ()  # "module:Class" of the scikit-learn models it builds
    categories = "onehot"  # how text columns reach the model (see baselines._features)

    def __init__(self, **params: Any) -> None:
        self.params = params

    @classmethod
    def passthrough_params(cls, params: dict[str, Any]) -> set[str] | None:
        """The constructor parameters of the scikit-learn models (classifier and regressor)."""
        import importlib
        import inspect

        names: set[str] = set()
        for target in cls.estimators:
            module, _, attr = target.partition(":")
            names |= set(inspect.signature(getattr(importlib.import_module(module), attr)).parameters)
        return names - {"random_state"}

    def make(self, task: str, seed: int, threads: int, n_rows: int = 0) -> Any:
        raise NotImplementedError

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        self.design_ = Design(categories=self.categories).fit(frame.train, frame.features)
        self.task_ = frame.problem.task
        self.model_ = self.make(self.task_, seed, budget.threads, len(frame.train))
        if self.design_.codes_:
            self.model_.set_params(categorical_features=np.asarray(self.design_.categorical))
        self.model_.fit(self.design_.transform(frame.train).to_numpy(), frame.y_train.to_numpy(float))
        return self

    def predict(self, frame: Frame) -> pd.Series:
        X = self.design_.transform(frame.holdout).to_numpy()
        if self.task_ == "binary":
            pred = self.model_.predict_proba(X)[:, 1]
        else:
            pred = self.model_.predict(X)
        return pd.Series(np.asarray(pred, dtype=float), index=frame.holdout.index)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"estimator": type(self.model_).__name__,
                               "params": {k: v for k, v in self.model_.get_params().items()
                                          if isinstance(v, int | float | str | bool) or v is None}}
        if self.design_.encoding():
            out["encoding"] = self.design_.encoding()
        if getattr(self.model_, "n_iter_", None) is not None:
            out["rounds"] = int(self.model_.n_iter_)
        imp = getattr(self.model_, "feature_importances_", None)
        if imp is not None:
            order = np.argsort(-imp)[:15]
            out["importance"] = {self.design_.names[i]: float(imp[i]) for i in order}
        return out


    def to_state(self) -> State | None:
        """The model file's content: the design, and the scikit-learn model through ``skops.io`` (no pickle).

        None (the model is then pickled) when the model holds a type outside :data:`TRUSTED`, which a
        loader would have to trust blindly.
        """
        import skops.io as sio

        blob = sio.dumps(self.model_)
        if not set(sio.get_untrusted_types(data=blob)) <= TRUSTED:
            return None
        return State({"design": self.design_.to_dict(), "task": self.task_, "params": self.params},
                     {"model.skops": blob})

    @classmethod
    def from_state(cls, state: State) -> Self:
        """The fitted candidate :meth:`to_state` described; only :data:`TRUSTED` types beyond skops' own."""
        import skops.io as sio

        blob = state.parts["model.skops"]
        untrusted = set(sio.get_untrusted_types(data=blob))
        if not untrusted <= TRUSTED:
            raise ModelFileError(f"the model file holds types that are not trusted: {sorted(untrusted - TRUSTED)}")
        out = cls(**state.values.get("params", {}))
        out.design_, out.task_ = Design.from_dict(state.values["design"]), state.values["task"]
        out.model_ = sio.loads(blob, trusted=sorted(untrusted))
        return out


TRUSTED = frozenset({  # the scikit-learn types the built-in trees hold beyond what skops trusts by default
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
})


class DecisionTree(_SklearnModel):
    estimators = ("sklearn.tree:DecisionTreeClassifier", "sklearn.tree:DecisionTreeRegressor")
    """A shallow decision tree (depth 5, leaves of at least 10 rows)."""

    summary = "one decision tree, depth <= 5"

    def make(self, task: str, seed: int, threads: int, n_rows: int = 0) -> Any:
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        kw = {"max_depth": 5, "min_samples_leaf": 10, "random_state": seed, **self.params}
        return DecisionTreeClassifier(**kw) if task == "binary" else DecisionTreeRegressor(**kw)


class RandomForest(_SklearnModel):
    """A random forest of 200 trees (splits on Poisson deviance for counts)."""

    estimators = ("sklearn.ensemble:RandomForestClassifier", "sklearn.ensemble:RandomForestRegressor")

    summary = "random forest, 200 trees (Poisson splits for counts)"

    def make(self, task: str, seed: int, threads: int, n_rows: int = 0) -> Any:
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        kw = {"n_estimators": 200, "min_samples_leaf": 3, "random_state": seed, "n_jobs": threads, **self.params}
        if task == "binary":
            return RandomForestClassifier(**kw)
        return RandomForestRegressor(**{"criterion": "poisson" if task == "count" else "squared_error", **kw})


class HistGBM(_SklearnModel):
    """scikit-learn's histogram gradient boosting (Poisson loss for counts).

    From ``EARLY_STOP_ROWS`` training rows up it boosts up to 1,000 rounds and stops when 20
    rounds in a row do not improve the loss on a 10% validation part; below that the
    validation part would be too small to trust and it keeps the library's 100 rounds.
    """

    estimators = ("sklearn.ensemble:HistGradientBoostingClassifier",
                  "sklearn.ensemble:HistGradientBoostingRegressor")
    summary = "histogram gradient boosting (scikit-learn), early stopping from 2,000 rows"
    categories = "native"
    EARLY_STOP_ROWS = 2000

    def make(self, task: str, seed: int, threads: int, n_rows: int = 0) -> Any:
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        stop = n_rows >= self.EARLY_STOP_ROWS
        kw = {"random_state": seed, "early_stopping": stop,
              **({"max_iter": 1000, "n_iter_no_change": 20, "validation_fraction": 0.1} if stop else {}),
              **self.params}
        if task == "binary":
            return HistGradientBoostingClassifier(**kw)
        return HistGradientBoostingRegressor(loss="poisson" if task == "count" else "squared_error", **kw)
