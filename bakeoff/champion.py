"""Champion vs challengers: last sprint's chosen model, scored as-is on this sprint's holdout.

``[ladder] champion = "previous"`` (the latest recorded run of the same experiment), a run
id from the history, or a folder (an export written by ``bakeoff export``, or a run folder).
The champion's pickled, fitted model is loaded and asked for predictions on the new
holdout without refitting: the row ``champion`` ("champion, not retrained"). With
``champion_retrain = true`` a second row ``champion_retrained`` refits the same model (same
hyperparameters) on the new training rows. Both rows are scored, costed and judged like
every candidate; :func:`verdict` says whether any challenger beats the champion with the
table's evidence standard. Without history the run says so and goes on.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import pandas as pd

from bakeoff.candidate import Budget, Candidate
from bakeoff.errors import BakeoffError, ConfigError
from bakeoff.frame import Frame, Problem

if TYPE_CHECKING:
    from bakeoff.config import Experiment
    from bakeoff.row import Row
    from bakeoff.scoring import Scores

TARGET = "bakeoff.champion:Champion"
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
        obj = pickle.loads(Path(self.model).read_bytes())
        while isinstance(obj, Champion):  # a champion kept last sprint: its model is the one to score
            obj = obj.model_
        return obj

    @property
    def horizon_native(self) -> bool:  # type: ignore[override]
        """Whatever the champion's own model says (its predictions are scaled like before)."""
        model = getattr(self, "model_", None)
        return bool(getattr(model, "horizon_native", False))

    def check_applicable(self, problem: Problem) -> None:
        self._load().check_applicable(problem)

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        self.model_ = self._load()
        if self.retrain:
            self.model_.fit(frame, budget=budget, seed=seed)
        return self

    def predict(self, frame: Frame) -> pd.Series:
        return self.model_.predict(frame)

    def describe(self) -> dict[str, Any]:
        return {"champion_of": self.source, "champion_origin": getattr(self, "origin", "run"),
                "candidate": self.inner, "retrained": self.retrain,
                **self.model_.describe()}


def champion_specs(exp: Experiment,
                   db: Path | None) -> tuple[list[tuple[str, dict[str, Any], int]], list[str]]:
    """The champion rows to add (name, Champion parameters, rung) and a note saying where it came from.

    Raises:
        ConfigError: If ``champion`` names a folder or run that is not there.
    """
    want = exp.ladder.champion
    if not want:
        return [], []
    found = _locate(want, exp, db)
    if isinstance(found, str):
        return [], [found]
    model, source, inner, rung = found
    origin = "export" if Path(model).name == "model.pkl" else "run"
    params = {"model": str(model), "source": source, "inner": inner, "origin": origin}
    specs = [(NAMES[0], {**params, "retrain": False}, rung)]
    if exp.ladder.champion_retrain:
        specs.append((NAMES[1], {**params, "retrain": True}, rung))
    how = " and retrained on this sprint's training rows" if exp.ladder.champion_retrain else ""
    return specs, [f"Champion: {inner} from {source}, scored as-is on this holdout (not retrained){how}."]


def _locate(want: str, exp: Experiment, db: Path | None) -> tuple[Path, str, str, int] | str:
    folder = next((p for p in (exp.base_dir / want, Path(want)) if p.is_dir()), None)
    if folder is not None and (folder / "model.pkl").is_file():
        return _from_export(folder)
    if folder is not None and (folder / "results.json").is_file():
        return _from_run(folder, str(folder))
    if want != "previous" and ("/" in want or "\\" in want) and db is None:
        raise ConfigError(f"[ladder].champion: '{want}' is neither an exported folder (with model.pkl) nor a run.")
    if db is None:
        return "Champion: none — the run history is off, so there is no previous run; no champion row."
    if not db.is_file():
        return f"Champion: none yet — {exp.name} has no earlier run (no history at '{db}'); no champion row."
    from bakeoff.export import run_folder
    from bakeoff.store import resolve

    try:
        run_id = resolve(f"{exp.name}:latest" if want == "previous" else want, db)
        folder = run_folder(run_id, db)
    except BakeoffError as exc:
        if want == "previous":
            return f"Champion: none yet — {exp.name} has no earlier run in '{db}'; this run has no champion row."
        raise ConfigError(f"[ladder].champion = '{want}': {exc}") from None
    return _from_run(folder, run_id)


def _from_run(folder: Path, source: str) -> tuple[Path, str, str, int] | str:
    results = json.loads((folder / "results.json").read_text())
    chosen = results.get("chosen")
    if not chosen:
        return f"Champion: {source} chose no candidate; this run has no champion row."
    row = next(c for c in results["candidates"] if c["name"] == chosen)
    model = folder / "models" / f"{chosen}.pkl"
    if not model.is_file():
        return f"Champion: {source} kept no model file for {chosen} ({model}); this run has no champion row."
    inner = (row.get("params") or {}).get("candidate", chosen) if row.get("family") == "champion" else chosen
    return model, source, inner, int(row.get("rung", 0))


def _from_export(folder: Path) -> tuple[Path, str, str, int]:
    card = folder / "MODEL_CARD.md"
    title = card.read_text().splitlines()[0] if card.is_file() else ""
    inner = title.removeprefix("# Model card: ").split(" (")[0] if title.startswith("# Model card: ") else "model"
    try:
        model = pickle.loads((folder / "model.pkl").read_bytes())
    except Exception as exc:  # noqa: BLE001 - a broken file is the user's to fix
        raise ConfigError(f"[ladder].champion: '{folder}/model.pkl' cannot be loaded: {exc}.") from None
    return folder / "model.pkl", str(folder), inner, int(getattr(model, "rung", 0))


def verdict(rows: list[Row], scores: Scores) -> dict[str, Any] | None:
    """Does any challenger beat the champion (not retrained)? Judged like the table judges any pair."""
    champ = next((r for r in rows if r.name == NAMES[0] and r.ok), None)
    if champ is None:
        return None
    ok = [r.name for r in rows if r.ok]
    challengers = [n for n in ok if n not in NAMES]
    m = scores.primary
    better = [n for n in challengers if shown_better(scores, ok, n, champ.name)]
    label = f"{m.label} ({'higher' if m.higher_is_better else 'lower'} is better)"
    if better:
        best = max(better, key=lambda n: scores.metrics[n][m.name] * (1 if m.higher_is_better else -1))
        text = (f"Challengers beat the champion ({champ.params.get('candidate') if champ.params else ''}, not "
                f"retrained) on {label}: {', '.join(better)}; the evidence standard of the table "
                f"({scores.confidence:.0%} simultaneous paired bootstrap) says so. Best of them: {best}.")
    else:
        text = (f"No challenger beats the champion ({champ.params.get('candidate') if champ.params else ''}, not "
                f"retrained) on {label} with the table's evidence standard ({scores.confidence:.0%} simultaneous "
                "paired bootstrap): keeping it is defensible.")
    return {"champion": champ.name, "beaten_by": better, "sentence": text}


def shown_better(scores: Scores, family: list[str], a: str, b: str) -> bool:
    """The table's evidence says ``a`` is better than ``b`` (within the table's family of candidates)."""
    j = scores.judge(tuple(family))
    return bool(j.shown_better(j.index(a), j.index(b)))
