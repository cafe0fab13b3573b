"""Rung 0: naive baselines that every other candidate must beat."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd

from bakeoff.candidates.contract import Budget, Candidate
from bakeoff.candidates.state import State
from bakeoff.core.errors import NotApplicable
from bakeoff.data.frame import Frame, Problem


class Mean(Candidate):
    """The training mean for everyone (for a binary target: the base rate)."""

    family = "naive"
    rung = 0
    summary = "everyone gets the training mean (binary: the base rate)"

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        self.value_ = float(frame.y_train.mean())
        return self

    def predict(self, frame: Frame) -> pd.Series:
        return pd.Series(self.value_, index=frame.holdout.index)

    def describe(self) -> dict[str, Any]:
        return {"value": self.value_}

    def to_state(self) -> State:
        """The model file's content (:mod:`bakeoff.candidates.state`): the one value."""
        return State({"value": self.value_})

    @classmethod
    def from_state(cls, state: State) -> Self:
        """The fitted candidate :meth:`to_state` described."""
        out = cls()
        out.value_ = float(state.values["value"])
        return out


class Median(Mean):
    """The training median for everyone (regression)."""

    tasks = ("regression",)
    summary = "everyone gets the training median"

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        self.value_ = float(frame.y_train.median())
        return self


class RunRate(Candidate):
    """Each customer repeats their calibration purchase rate over the holdout horizon.

    Purchases: ``x / T`` repeat purchases per week times the horizon. Active: the
    Poisson chance of at least one purchase at that rate. Spend: purchases times the
    customer's mean purchase amount.
    """

    family = "naive"
    rung = 0
    kinds = ("customer_base",)
    horizon_native = True
    summary = "each customer keeps their calibration purchase rate (x / T per week)"

    def check_applicable(self, problem: Problem) -> None:
        super().check_applicable(problem)
        if not problem.horizon_weeks:
            raise NotApplicable("needs a holdout horizon")

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        self.horizon_ = float(frame.problem.horizon_weeks or 0.0)
        return self

    def predict(self, frame: Frame) -> pd.Series:
        h = frame.holdout
        rate = h["x"] / h["T"].where(h["T"] > 0)
        expected = (rate.fillna(0.0) * self.horizon_).astype(float)
        if frame.problem.task == "binary":
            return 1.0 - np.exp(-expected)
        if frame.problem.target == "spend":
            return expected * h["spend_mean"].fillna(0.0)
        return expected

    def describe(self) -> dict[str, Any]:
        return {"horizon_weeks": self.horizon_}

    def to_state(self) -> State:
        """The model file's content: the horizon in weeks."""
        return State({"horizon_weeks": self.horizon_})

    @classmethod
    def from_state(cls, state: State) -> Self:
        """The fitted candidate :meth:`to_state` described."""
        out = cls()
        out.horizon_ = float(state.values["horizon_weeks"])
        return out
