"""Read a pickled model, whether this version or one before the package's layered layout wrote it.

Pickles name the module of every class they hold (``bakeoff.sqlfiles.SqlFile`` inside a SQL rule,
``bakeoff.champion.Champion`` around a champion kept last sprint). Those modules moved into
subpackages; :data:`MOVED` maps the old names to the new ones, so last sprint's champion and old
exports still load.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

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


def load_model(data: bytes) -> Any:
    """The object pickled in ``data``, its classes looked up where they live now."""
    return _Unpickler(io.BytesIO(data)).load()
