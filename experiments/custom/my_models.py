"""A user's own candidate, kept next to the experiment file (importable from the config's folder).

``UnitWeights`` is Dawes' "improper linear model": standardise the ``top`` features most
correlated with the target on the training rows, add them up with the sign of their
correlation (every weight is +1 or -1), then map the score to the target with a
one-variable fit. It often scores close to a fitted regression at a fraction of the
complexity, which makes it a useful rung between the naive mean and the GLM.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd

from bakeoff import Budget, Candidate
from bakeoff.data.frame import Frame


class UnitWeights(Candidate):
    """Sum of signed z-scores of the ``top`` most correlated numeric features."""

    family = "custom"
    rung = 2
    tasks = ("binary", "regression")
    kinds = ("binary", "regression")
    summary = "unit-weighted sum of the top correlated features (Dawes)"

    def __init__(self, *, top: int = 5) -> None:
        self.top = top

    def _score(self, df: pd.DataFrame) -> np.ndarray:
        z = (df[self.columns_].to_numpy(float) - self.mean_) / self.sd_
        return np.nan_to_num(z) @ self.signs_

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        train = frame.train
        numeric = [c for c in frame.features if pd.api.types.is_numeric_dtype(train[c])]
        corr = train[numeric].corrwith(frame.y_train).fillna(0.0)
        self.columns_ = list(corr.abs().sort_values(ascending=False, kind="stable").index[: self.top])
        self.signs_ = np.sign(corr[self.columns_].to_numpy())
        self.mean_ = train[self.columns_].mean().to_numpy()
        self.sd_ = train[self.columns_].std().replace(0.0, 1.0).to_numpy()
        s, y = self._score(train), frame.y_train.to_numpy(float)
        self.task_ = frame.problem.task
        if self.task_ == "binary":  # a one-variable logistic fit by Newton steps
            a, b = 0.0, 0.0
            for _ in range(25):
                p = 1.0 / (1.0 + np.exp(-(a + b * s)))
                w = np.maximum(p * (1 - p), 1e-9)
                grad = np.array([np.sum(y - p), np.sum((y - p) * s)])
                hess = np.array([[w.sum(), (w * s).sum()], [(w * s).sum(), (w * s * s).sum()]])
                a, b = np.array([a, b]) + np.linalg.solve(hess + 1e-9 * np.eye(2), grad)
            self.coef_ = (float(a), float(b))
        else:
            b, a = np.polyfit(s, y, 1)
            self.coef_ = (float(a), float(b))
        return self

    def predict(self, frame: Frame) -> pd.Series:
        a, b = self.coef_
        lin = a + b * self._score(frame.holdout)
        pred = 1.0 / (1.0 + np.exp(-lin)) if self.task_ == "binary" else lin
        return pd.Series(pred, index=frame.holdout.index)

    def describe(self) -> dict[str, Any]:
        return {"features": {c: int(s) for c, s in zip(self.columns_, self.signs_, strict=True)},
                "intercept": self.coef_[0], "slope": self.coef_[1]}
