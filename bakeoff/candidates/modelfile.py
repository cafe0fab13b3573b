"""Write and read a fitted candidate's model file: the safe format for the built-in ladder, pickle otherwise.

A candidate with a ``to_state`` (every built-in one that has been given it) is written as a
:mod:`bakeoff.candidates.state` file, which loads without running code; any other is pickled. Reading
tells the two apart by their first bytes. A pickle is read whether this version or one before the
package's layered layout wrote it:

Pickles name the module of every class they hold (``bakeoff.sqlfiles.SqlFile`` inside a SQL rule,
``bakeoff.champion.Champion`` around a champion kept last sprint). Those modules moved into
subpackages; :data:`MOVED` maps the old names to the new ones, so last sprint's champion and old
exports still load.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

from bakeoff.candidates.state import dump, is_state_file, load, state_of

# module before the layered layout -> its module now
MOVED: dict[str, str] = {
    "bakeoff.candidate": "bakeoff.candidates.contract",
    "bakeoff.champion": "bakeoff.candidates.champion",
    "bakeoff.checkpoint": "bakeoff.climb.checkpoint",
    "bakeoff.choice": "bakeoff.judge.choice",
    "bakeoff.climber": "bakeoff.climb.ladder",
    "bakeoff.coltypes": "bakeoff.data.coltypes",
    "bakeoff.config": "bakeoff.config.experiment",
    "bakeoff.config_messages": "bakeoff.config.messages",
    "bakeoff.cost": "bakeoff.cost.model",
    "bakeoff.csvcheck": "bakeoff.data.csvcheck",
    "bakeoff.customers": "bakeoff.data.customers",
    "bakeoff.data": "bakeoff.data.sources",
    "bakeoff.defaults": "bakeoff.core.defaults",
    "bakeoff.deploy": "bakeoff.export.deploy",
    "bakeoff.diagnostics": "bakeoff.judge.diagnostics",
    "bakeoff.drift": "bakeoff.data.drift",
    "bakeoff.durations": "bakeoff.core.durations",
    "bakeoff.earlystop": "bakeoff.climb.earlystop",
    "bakeoff.errors": "bakeoff.core.errors",
    "bakeoff.executor": "bakeoff.candidates.isolation",
    "bakeoff.export": "bakeoff.export.pack",
    "bakeoff.frame": "bakeoff.data.frame",
    "bakeoff.framefile": "bakeoff.data.framefile",
    "bakeoff.guards": "bakeoff.candidates.checks",
    "bakeoff.horizon": "bakeoff.data.horizon",
    "bakeoff.judge": "bakeoff.judge.maxt",
    "bakeoff.measure": "bakeoff.core.measure",
    "bakeoff.metrics": "bakeoff.candidates.metrics",
    "bakeoff.money": "bakeoff.core.money",
    "bakeoff.probe": "bakeoff.cost.probe",
    "bakeoff.probecache": "bakeoff.cost.probecache",
    "bakeoff.registry": "bakeoff.candidates.registry",
    "bakeoff.result": "bakeoff.report.result",
    "bakeoff.row": "bakeoff.core.records",
    "bakeoff.runner": "bakeoff.api",
    "bakeoff.sampling": "bakeoff.data.sampling",
    "bakeoff.sandbox": "bakeoff.query.sandbox",
    "bakeoff.scoring": "bakeoff.judge.scoring",
    "bakeoff.spares": "bakeoff.climb.prestart",
    "bakeoff.spark": "bakeoff.data.spark",
    "bakeoff.splits": "bakeoff.data.splits",
    "bakeoff.sqlfiles": "bakeoff.query.files",
    "bakeoff.store": "bakeoff.store.history",
    "bakeoff.studentize": "bakeoff.judge.studentize",
    "bakeoff.tabulate": "bakeoff.judge.table",
    "bakeoff.testing": "bakeoff.candidates.testing",
    "bakeoff.track": "bakeoff.store.track",
    "bakeoff.tradeoff": "bakeoff.judge.front",
    "bakeoff.user_candidates": "bakeoff.candidates.user",
    "bakeoff.valuation": "bakeoff.judge.value",
    "bakeoff.value": "bakeoff.judge.value",
    "bakeoff.value_choice": "bakeoff.judge.choice",
    "bakeoff.wallclock": "bakeoff.climb.reserve",
    "bakeoff.worker": "bakeoff.climb.worker",
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return super().find_class(MOVED.get(module, module), name)


def dump_model(cand: Any) -> bytes | None:
    """The model file of a fitted candidate, or None when it has no safe format and cannot be pickled."""
    state = state_of(cand)
    if state is not None:
        return dump(cand, state)
    try:
        return pickle.dumps(cand, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - export and the champion are then unavailable for this candidate
        return None


def load_model(data: bytes) -> Any:
    """The candidate in a model file: rebuilt from its state (safe format), or unpickled with its classes
    looked up where they live now."""
    if is_state_file(data):
        return load(data)
    return _Unpickler(io.BytesIO(data)).load()
