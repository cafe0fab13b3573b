"""Candidate names -> classes, imported lazily; third-party candidates via entry points.

A name in the default ladder maps to ``"module:Class"`` plus default parameters.
``[[candidate]]`` entries pick a ``family`` (a ladder name or ``sql``) and add keys.
Plugins register under the ``bakeoff.candidates`` entry-point group.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from bakeoff.candidate import Candidate
from bakeoff.config import Experiment
from bakeoff.errors import ConfigError, did_you_mean

LADDER: dict[str, tuple[str, dict[str, Any]]] = {
    "mean": ("baselines.naive:Mean", {}),
    "median": ("baselines.naive:Median", {}),
    "run_rate": ("baselines.naive:RunRate", {}),
    "sql_threshold": ("baselines.sql_rules:SqlRule", {"file": "rules/best_threshold.sql"}),
    "sql_quantile_buckets": ("baselines.sql_rules:SqlRule", {"file": "rules/quantile_buckets.sql"}),
    "sql_recency": ("baselines.sql_rules:SqlRule", {"file": "rules/recency_churn.sql"}),
    "sql_rfm_quintiles": ("baselines.sql_rules:SqlRule", {"file": "rules/rfm_quintiles.sql"}),
    "sql_run_rate": ("baselines.sql_rules:SqlRule", {"file": "rules/run_rate.sql"}),
    "glm": ("baselines.glm:GLM", {}),
    "pareto_nbd": ("baselines.btyd:ParetoNBD", {}),
    "bg_nbd": ("baselines.btyd:BGNBD", {}),
    "decision_tree": ("baselines.trees:DecisionTree", {}),
    "random_forest": ("baselines.trees:RandomForest", {}),
    "hist_gbm": ("baselines.trees:HistGBM", {}),
    "xgboost": ("baselines.xgb:XGBoost", {}),
    "xgboost_tuned": ("baselines.xgb:TunedXGBoost", {}),
}
FAMILY_ALIASES = {"sql": "baselines.sql_rules:SqlRule"}


@dataclass(frozen=True)
class Spec:
    """Everything needed to build one candidate in any process."""

    name: str
    target: str
    params: dict[str, Any] = field(default_factory=dict)

    def cls(self) -> type[Candidate]:
        """Import and return the candidate class."""
        return load_class(self.target)

    def build(self) -> Candidate:
        """A fresh, unfitted candidate."""
        return self.cls()(**self.params)

    @property
    def rung(self) -> int:
        """The candidate's rung (a ``rung`` key in the config wins)."""
        return int(self.params.get("rung", self.cls().rung))

    @property
    def family(self) -> str:
        """The candidate's family."""
        return self.cls().family


@cache
def load_class(target: str) -> type[Candidate]:
    """Import ``"module:Class"``."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


@cache
def plugins() -> dict[str, str]:
    """Third-party candidates: entry-point name -> ``"module:Class"``."""
    return {ep.name: ep.value for ep in entry_points(group="bakeoff.candidates")}


def known_names() -> dict[str, tuple[str, dict[str, Any]]]:
    """The default ladder plus plugins."""
    return {**LADDER, **{n: (t, {}) for n, t in plugins().items()}}


def resolve_ladder(exp: Experiment) -> list[Spec]:
    """The candidates of an experiment, in ladder order (rung, then declaration).

    Raises:
        ConfigError: For unknown families or include/exclude names.
    """
    names = known_names()
    specs = [Spec(n, t, dict(p)) for n, (t, p) in names.items()]
    for c in exp.candidate:
        specs = [s for s in specs if s.name != c.name]
        params = {**c.params, **({"rung": c.rung} if c.rung is not None else {})}
        if isinstance(params.get("file"), str) and (exp.base_dir / params["file"]).is_file():
            params["file"] = str(exp.base_dir / params["file"])  # relative to the config file first
        specs.append(_custom(c.name, c.family, params, names))
    specs = _filter(specs, exp)
    order = {s.name: i for i, s in enumerate(specs)}
    return sorted(specs, key=lambda s: (s.rung, order[s.name]))


def _custom(name: str, family: str, params: dict[str, Any], names: dict) -> Spec:
    if family in FAMILY_ALIASES:
        return Spec(name, FAMILY_ALIASES[family], params)
    if family in names:
        target, defaults = names[family]
        return Spec(name, target, {**defaults, **params})
    choices = [*FAMILY_ALIASES, *names]
    raise ConfigError(f"[[candidate]] '{name}': unknown family '{family}'; expected one of "
                      f"{', '.join(choices)}.{did_you_mean(family, choices)}")


def _filter(specs: list[Spec], exp: Experiment) -> list[Spec]:
    families = {s.family for s in specs}
    valid = {s.name for s in specs} | families
    for field_name in ("include", "exclude"):
        for item in getattr(exp.ladder, field_name):
            if item not in valid:
                raise ConfigError(f"[ladder].{field_name}: unknown candidate or family '{item}'."
                                  f"{did_you_mean(item, valid)}")
    custom = {c.name for c in exp.candidate}
    names = {s.name for s in specs}

    def hit(spec: Spec, items: set[str]) -> bool:
        return spec.name in items or any(i == spec.family and i not in names for i in items)

    inc, exc = set(exp.ladder.include), set(exp.ladder.exclude)
    keep = [s for s in specs if not inc or hit(s, inc) or s.name in custom]
    return [s for s in keep if not hit(s, exc)]
