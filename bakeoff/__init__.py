"""bakeoff: simple baselines first.

A timeboxed bake-off climbs a ladder of candidates, from naive baselines and SQL
rules to tuned XGBoost, scores them on one holdout for accuracy, runtime and cost,
and writes a trade-off table the business can choose from.

Public API (imported lazily so ``bakeoff --help`` stays fast)::

    import bakeoff
    res = bakeoff.run("experiments/breast_cancer.toml", timebox="2m")
    res.table
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["run", "validate", "prepare", "Validation", "load_experiment", "Result", "Candidate", "Budget",
           "Status", "BakeoffError", "ConfigError", "DataError", "NotApplicable", "Interrupted", "Row"]

_LAZY = {
    "run": "bakeoff.api", "validate": "bakeoff.api", "prepare": "bakeoff.api", "Validation": "bakeoff.api",
    "load_experiment": "bakeoff.config.experiment", "Result": "bakeoff.report.result",
    "Candidate": "bakeoff.candidates.contract", "Budget": "bakeoff.candidates.contract",
    "Status": "bakeoff.core.records", "Row": "bakeoff.core.records",
    "BakeoffError": "bakeoff.core.errors", "ConfigError": "bakeoff.core.errors", "DataError": "bakeoff.core.errors",
    "NotApplicable": "bakeoff.core.errors", "Interrupted": "bakeoff.core.errors",
}

if TYPE_CHECKING:
    from bakeoff.api import Validation, prepare, run, validate
    from bakeoff.candidates.contract import Budget, Candidate
    from bakeoff.config.experiment import load_experiment
    from bakeoff.core.errors import BakeoffError, ConfigError, DataError, Interrupted, NotApplicable
    from bakeoff.core.records import Row, Status
    from bakeoff.report.result import Result


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'bakeoff' has no attribute {name!r}")
