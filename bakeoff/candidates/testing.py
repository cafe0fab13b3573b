"""CandidateConformance: the suite every candidate (built-in or plugin) must pass.

Subclass it in a test module and set ``spec`` and ``frame`` fixtures, or use
:func:`check_candidate` directly.
"""

from __future__ import annotations

import json
import pickle

import numpy as np

from bakeoff.candidates.contract import Budget, Candidate
from bakeoff.candidates.registry import Spec
from bakeoff.core.errors import NotApplicable
from bakeoff.data.frame import Frame


def check_candidate(spec: Spec | type[Candidate] | str, frame: Frame, seed: int = 0,
                    **params: object) -> Candidate | None:
    """Fit and predict a candidate on ``frame`` and check the contract; None if not applicable.

    Args:
        spec: A registry :class:`Spec`, a Candidate class, or its import path ``"module:Class"``.
        frame: The frame to fit and predict on, e.g. ``bakeoff.prepare(load_experiment(path))[0]``.
        seed: The seed passed to ``fit``.
        **params: Constructor parameters when ``spec`` is a class or an import path.

    Checks: ``fit`` returns self; predictions are finite, one per holdout key and in
    its order; the same seed gives the same predictions; ``describe`` is JSON; the
    fitted candidate pickles (so it can be exported and measured).
    """
    if not isinstance(spec, Spec):
        target = spec if isinstance(spec, str) else f"{spec.__module__}:{spec.__qualname__}"
        spec = Spec(target.rpartition(":")[2], target, dict(params))
    cand = spec.build()
    try:
        cand.check_applicable(frame.problem)
    except NotApplicable:
        return None
    truthless = frame.without_truth()
    assert truthless.holdout_y is None
    fitted = cand.fit(truthless, budget=Budget.of(120), seed=seed)
    assert fitted is cand, f"{spec.name}.fit must return self"
    pred = cand.predict(truthless)
    assert pred.index.equals(frame.holdout.index), f"{spec.name}: predictions must be indexed like the holdout"
    assert np.isfinite(pred.to_numpy(float)).all(), f"{spec.name}: non-finite predictions"
    if frame.problem.task == "binary":
        assert ((pred >= 0) & (pred <= 1)).all(), f"{spec.name}: probabilities outside [0, 1]"
    again = spec.build().fit(truthless, budget=Budget.of(120), seed=seed).predict(truthless)
    assert np.allclose(pred.to_numpy(float), again.to_numpy(float)), f"{spec.name}: not reproducible"
    json.dumps(cand.describe(), default=float)
    pickle.loads(pickle.dumps(cand))
    return cand


class CandidateConformance:
    """Mix into a pytest class that provides ``spec`` and ``frame`` fixtures."""

    def test_contract(self, spec: Spec, frame: Frame) -> None:
        check_candidate(spec, frame)


class Hang(Candidate):
    """A candidate that never finishes: a pure-Python loop (``mode="python"``) or long BLAS calls (``"c"``)."""

    family = "test"
    rung = 9
    summary = "test helper: never finishes"

    def __init__(self, *, mode: str = "python", **params: object) -> None:
        self.mode = mode

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Hang:
        if self.mode == "c":
            a = np.random.default_rng(seed).random((2500, 2500))
            while True:
                a = a @ a.T / 2500.0
        while True:
            pass


class Crash(Candidate):
    """A candidate that crashes: ``mode="raise"``, ``"segfault"``, ``"nan"`` or ``"short"`` predictions."""

    family = "test"
    rung = 9
    summary = "test helper: fails on purpose"

    def __init__(self, *, mode: str = "raise", **params: object) -> None:
        self.mode = mode

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Crash:
        if self.mode == "raise":
            raise RuntimeError("deliberate failure")
        if self.mode == "segfault":
            import ctypes

            ctypes.string_at(0)
        return self

    def predict(self, frame: Frame):
        import pandas as pd

        n = len(frame.holdout)
        if self.mode == "nan":
            return pd.Series(np.nan, index=frame.holdout.index)
        return np.zeros(n - 1)


class Sleep(Candidate):
    """A slow but honest candidate: sleeps ``seconds`` (or ``$BAKEOFF_TEST_SLEEP``), predicts the mean."""

    family = "test"
    rung = 9
    summary = "test helper: slow mean"

    def __init__(self, *, seconds: float = 1.0, **params: object) -> None:
        self.seconds = seconds

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Sleep:
        import os
        import time

        time.sleep(float(os.environ.get("BAKEOFF_TEST_SLEEP", self.seconds)))
        self.value_ = float(frame.y_train.mean())
        return self

    def predict(self, frame: Frame):
        import pandas as pd

        return pd.Series(self.value_, index=frame.holdout.index)


class FillBox(Candidate):
    """A box-filling tuner stand-in: ``fills_box``, it waits until ``stop_before`` seconds of its box are left."""

    family = "test"
    rung = 9
    summary = "test helper: fills its box"
    fills_box = True

    def __init__(self, *, stop_before: float = 0.5, **params: object) -> None:
        self.stop_before = stop_before

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> FillBox:
        import time

        while budget.remaining() > self.stop_before:
            time.sleep(0.05)
        self.value_ = float(frame.y_train.mean())
        return self

    def predict(self, frame: Frame):
        import pandas as pd

        return pd.Series(self.value_, index=frame.holdout.index)
