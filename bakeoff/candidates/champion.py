"""Champion vs challengers: last sprint's chosen model, scored as-is on this sprint's holdout.

``[ladder] champion = "previous"`` (the latest recorded run of the same experiment), a run
id from the history, or a folder (an export written by ``bakeoff export``, or a run folder).
The champion's pickled, fitted model is loaded and asked for predictions on the new
holdout without refitting: the row ``champion`` ("champion, not retrained"). With
``champion_retrain = true`` a second row ``champion_retrained`` refits the same model (same
hyperparameters) on the new training rows. Both rows are scored, costed and judged like
every candidate; :func:`bakeoff.judge.champion.verdict` says whether any challenger beats the champion with the
table's evidence standard. :mod:`bakeoff.store.champion` finds the model; without history the run
says so and goes on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

import pandas as pd

from bakeoff.candidates.contract import Budget, Candidate, Capabilities
from bakeoff.candidates.modelfile import load_model
from bakeoff.candidates.state import CHAMPION, State, dump, load, state_of
from bakeoff.data.frame import Frame, Problem

TARGET = CHAMPION
NAMES = ("champion", "champion_retrained")


class Champion(Candidate):
    """A model fitted in an earlier run, loaded from its pickle; refitted only with ``retrain=True``."""

    family = "champion"
    rung = 0
    summary = "last sprint's chosen model"

    def __init__(self, *, model: str, source: str = "", inner: str = "", retrain: bool = False,
                 origin: str = "run") -> None:
        self.model = model
        self.source = source
        self.inner = inner
        self.retrain = retrain
        self.origin = origin  # "run" (a recorded run or its folder) or "export" (a folder from bakeoff export)

    def _load(self) -> Candidate:
        obj = load_model(Path(self.model).read_bytes())
        while isinstance(obj, Champion):  # a champion kept last sprint: its model is the one to score
            obj = obj.model_
        return obj

    @property
    def horizon_native(self) -> bool:  # type: ignore[override]
        """Whatever the champion's own model says (its predictions are scaled like before)."""
        model = getattr(self, "model_", None)
        return Capabilities.of(model).horizon_native

    def check_applicable(self, problem: Problem) -> None:
        self._load().check_applicable(problem)

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        self.model_ = self._load()
        if self.retrain:
            self.model_.fit(frame, budget=budget, seed=seed)
        return self

    def predict(self, frame: Frame) -> pd.Series:
        return self.model_.predict(frame)

    def to_state(self) -> State | None:
        """The model file's content: where it came from, and its model's own file inside (None when that
        model has no safe format, and the champion is pickled whole)."""
        inner = state_of(self.model_)
        if inner is None:
            return None
        values = {"model": self.model, "source": self.source, "inner": self.inner, "retrain": self.retrain,
                  "origin": self.origin}
        return State(values, {"model": dump(self.model_, inner)})

    @classmethod
    def from_state(cls, state: State) -> Self:
        """The champion :meth:`to_state` described; its model is read in the safe format only."""
        values = state.values
        out = cls(model=values["model"], source=values["source"], inner=values["inner"],
                  retrain=bool(values["retrain"]), origin=values["origin"])
        out.model_ = load(state.parts["model"])
        return out

    def describe(self) -> dict[str, Any]:
        return {"champion_of": self.source, "champion_origin": getattr(self, "origin", "run"),
                "candidate": self.inner, "retrained": self.retrain,
                **self.model_.describe()}
