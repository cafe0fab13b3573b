"""Where last sprint's champion comes from: ``[ladder] champion`` resolved to a model file.

``"previous"`` (the latest recorded run of the same experiment), a run id from the history, or a
folder (an export written by ``bakeoff export``, or a run folder). The rows it adds are
:class:`bakeoff.candidates.champion.Champion` candidates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bakeoff.candidates.champion import NAMES
from bakeoff.candidates.modelfile import load_model
from bakeoff.core.errors import BakeoffError, ConfigError
from bakeoff.store.history import resolve, run_folder

if TYPE_CHECKING:
    from bakeoff.config.experiment import Experiment


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
        model = load_model((folder / "model.pkl").read_bytes())
    except Exception as exc:  # noqa: BLE001 - a broken file is the user's to fix
        raise ConfigError(f"[ladder].champion: '{folder}/model.pkl' cannot be loaded: {exc}.") from None
    return folder / "model.pkl", str(folder), inner, int(getattr(model, "rung", 0))


