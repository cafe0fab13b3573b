"""Candidate names -> classes, imported lazily; third-party candidates via entry points.

A name in the default ladder maps to ``"module:Class"`` plus default parameters.
``[[candidate]]`` entries pick a ``family`` (a ladder name or ``sql``) and add keys.
Plugins register under the ``bakeoff.candidates`` entry-point group.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from bakeoff.candidates.contract import Candidate
from bakeoff.candidates.user import ESTIMATOR_TARGET, add_paths, is_user_candidate, user_target
from bakeoff.config.experiment import Experiment
from bakeoff.core.errors import ConfigError, did_you_mean

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
USER_FAMILIES = {ESTIMATOR_TARGET: "sklearn"}
FAMILIES = {"mean": "naive", "median": "naive", "run_rate": "naive", "sql_threshold": "sql",
            "sql_quantile_buckets": "sql", "sql_recency": "sql", "sql_rfm_quintiles": "sql", "sql_run_rate": "sql",
            "glm": "glm", "pareto_nbd": "btyd", "bg_nbd": "btyd", "decision_tree": "tree", "random_forest": "tree",
            "hist_gbm": "tree", "xgboost": "xgboost", "xgboost_tuned": "xgboost", "sql": "sql"}
"""The family of each bundled name, known without importing it (test_registry checks the classes agree)."""


@dataclass(frozen=True)
class Spec:
    """Everything needed to build one candidate in any process."""

    name: str
    target: str
    params: dict[str, Any] = field(default_factory=dict)
    rung_override: int | None = None
    family_name: str | None = None
    paths: tuple[str, ...] = ()

    def cls(self) -> type[Candidate]:
        """Import and return the candidate class (``paths`` first on ``sys.path``)."""
        if self.paths:
            add_paths(self.paths)
        return load_class(self.target)

    def build(self) -> Candidate:
        """A fresh, unfitted candidate (``params`` only: the rung stays on the spec)."""
        return self.cls()(**self.params)

    @property
    def rung(self) -> int:
        """The candidate's rung (a ``rung`` key in its [[candidate]] table wins over the class's)."""
        return self.rung_override if self.rung_override is not None else self.cls().rung

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
    specs = [Spec(n, t, dict(p), family_name=FAMILIES.get(n)) for n, (t, p) in names.items()]
    for c in exp.candidate:
        specs = [s for s in specs if s.name != c.name]
        params = dict(c.params)
        if is_user_candidate(params) or c.family is None:
            target, params, paths = user_target(c.name, c.family, params, exp.base_dir)
            specs.append(Spec(c.name, target, params, c.rung, USER_FAMILIES.get(target), paths))
            continue
        if isinstance(params.get("file"), str) and (exp.base_dir / params["file"]).is_file():
            params["file"] = str(exp.base_dir / params["file"])  # relative to the config file first
        specs.append(_custom(c.name, c.family, params, names, c.rung))
    specs = _filter(specs, exp)  # by name (and bundled family) before any class is imported
    for spec in specs:
        check_params(spec)
    order = {s.name: i for i, s in enumerate(specs)}
    return sorted(specs, key=lambda s: (s.rung, order[s.name]))


def check_params(spec: Spec) -> None:
    """Import the candidate's class and check its parameters against what it accepts.

    Raises:
        ConfigError: When the class cannot be imported (naming it), or a key is not one of its
            parameters (with the closest one: "Did you mean 'max_depth'?").
    """
    try:
        cls = spec.cls()
    except Exception as exc:  # a broken plugin or a missing optional dependency
        raise ConfigError(f"Candidate '{spec.name}' cannot be loaded from '{spec.target}': {type(exc).__name__}: "
                          f"{exc}. Fix or uninstall it, or leave it out with [ladder].exclude = "
                          f"[\"{spec.name}\"].") from None
    if not spec.params:
        return
    allowed = accepted_params(cls, spec.params)
    if allowed is None:
        return  # it takes **params it does not declare: not checked
    for key in spec.params:
        if key not in allowed:
            expected = f"one of {', '.join(sorted(allowed))}" if allowed else "no parameters"
            raise ConfigError(f"[[candidate]] '{spec.name}': '{key}' is not a parameter of {spec.target}; "
                              f"expected {expected}.{did_you_mean(key, allowed)}")


def accepted_params(cls: type[Candidate], params: dict[str, Any]) -> set[str] | None:
    """The keys ``cls`` accepts: its keyword parameters along ``__init__``, plus what it hands to its library.

    None when a constructor takes ``**params`` and the class does not say which
    (:meth:`Candidate.passthrough_params`). The base ``Candidate.__init__`` accepts none.
    """
    names: set[str] = set()
    open_ = False
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if klass is Candidate or klass is object:
            break
        if init is None:
            continue
        params_of = inspect.signature(init).parameters.values()
        names |= {p.name for p in params_of if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
        open_ = any(p.kind is p.VAR_KEYWORD for p in params_of)
        if not open_:
            break
    if not open_:
        return names
    extra = cls.passthrough_params(params)
    return None if extra is None else names | extra


def _custom(name: str, family: str, params: dict[str, Any], names: dict, rung: int | None) -> Spec:
    if family in FAMILY_ALIASES:
        return Spec(name, FAMILY_ALIASES[family], params, rung, FAMILIES.get(family))
    if family in names:
        target, defaults = names[family]
        return Spec(name, target, {**defaults, **params}, rung, FAMILIES.get(family))
    choices = [*FAMILY_ALIASES, *names]
    raise ConfigError(f"[[candidate]] '{name}': unknown family '{family}'; expected one of "
                      f"{', '.join(choices)}.{did_you_mean(family, choices)}")


def _family(spec: Spec) -> str:
    """A spec's family: from the bundled table, or (plugins) by importing the class."""
    if spec.family_name is not None:
        return spec.family_name
    try:
        return spec.family
    except Exception as exc:  # a broken plugin, reached only when a filter names an unknown family
        raise ConfigError(f"Candidate '{spec.name}' cannot be loaded from '{spec.target}': {type(exc).__name__}: "
                          f"{exc}.") from None


def _filter(specs: list[Spec], exp: Experiment) -> list[Spec]:
    items = {*exp.ladder.include, *exp.ladder.exclude}
    known = {s.name for s in specs} | {s.family_name for s in specs if s.family_name}
    families = {s.name: _family(s) if items - known else s.family_name for s in specs}
    valid = {s.name for s in specs} | {f for f in families.values() if f}
    for field_name in ("include", "exclude"):
        for item in getattr(exp.ladder, field_name):
            if item not in valid:
                raise ConfigError(f"[ladder].{field_name}: unknown candidate or family '{item}'."
                                  f"{did_you_mean(item, valid)}")
    custom = {c.name for c in exp.candidate}
    names = {s.name for s in specs}

    def hit(spec: Spec, items: set[str]) -> bool:
        return spec.name in items or any(i == families[spec.name] and i not in names for i in items)

    inc, exc = set(exp.ladder.include), set(exp.ladder.exclude)
    keep = [s for s in specs if not inc or hit(s, inc) or s.name in custom]
    return [s for s in keep if not hit(s, exc)]
