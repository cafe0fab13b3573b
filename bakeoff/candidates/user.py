"""Candidates from the user's own code: a Candidate class or any scikit-learn estimator, by import path.

In the experiment file::

    [[candidate]]
    name = "my_model"
    class = "my_models:ShrunkMean"              # module:Class, importable from the config's folder or installed
    params = { shrink = 0.5 }

    [[candidate]]
    name = "logreg"
    estimator = "sklearn.linear_model:LogisticRegression"
    params = { C = 0.1, max_iter = 500 }
    rung = 2

Parameters are checked against what the class accepts (its ``__init__``; for an
estimator, its ``get_params()``) so a typo fails ``bakeoff validate`` with a
"did you mean". This module does not import the registry: it returns the import
target, the constructor parameters and the extra import paths.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path
from typing import Any

from bakeoff.core.errors import ConfigError, did_you_mean

ESTIMATOR_TARGET = "baselines.estimator:SklearnEstimator"
WRAPPER_KEYS = ("scale",)


def is_user_candidate(params: dict[str, Any]) -> bool:
    """True when a ``[[candidate]]`` names a ``class`` or an ``estimator``."""
    return "class" in params or "estimator" in params


def user_target(name: str, family: str | None, params: dict[str, Any],
                base_dir: Path) -> tuple[str, dict[str, Any], tuple[str, ...]]:
    """The import target, constructor parameters and import paths of a user candidate.

    Raises:
        ConfigError: If the entry mixes keys, the class cannot be imported or a parameter is unknown.
    """
    where = f"[[candidate]] '{name}'"
    params = dict(params)
    if not is_user_candidate(params):
        raise ConfigError(f"{where}: needs family = \"<ladder name or sql>\", class = \"module:Class\" or "
                          "estimator = \"module:Estimator\".")
    if family is not None or ("class" in params and "estimator" in params):
        raise ConfigError(f"{where}: give one of family, class or estimator, not several.")
    paths = (str(base_dir.resolve()),)
    given = params.pop("params", {})
    if not isinstance(given, dict):
        raise ConfigError(f"{where}: params must be a table like {{ C = 0.1 }}; got {given!r}.")
    if "estimator" in params:
        path = str(params.pop("estimator"))
        extra = [k for k in params if k not in WRAPPER_KEYS]
        if extra:
            raise ConfigError(f"{where}: unknown key '{extra[0]}'; estimator hyperparameters go in params = "
                              f"{{ ... }}; other keys: {', '.join(WRAPPER_KEYS)}.")
        check_estimator_params(where, import_object(path, where, paths), given)
        return ESTIMATOR_TARGET, {**params, "estimator": path, "params": given}, paths
    target = str(params.pop("class"))
    cls = import_object(target, where, paths)
    if not (inspect.isclass(cls) and callable(getattr(cls, "fit", None)) and callable(getattr(cls, "predict", None))):
        raise ConfigError(f"{where}: '{target}' must be a class with fit(frame, *, budget, seed) and "
                          "predict(frame) (see bakeoff.Candidate).")
    return target, {**params, **given}, paths  # checked against the constructor by registry.check_params


def import_object(target: str, where: str, paths: tuple[str, ...] = ()) -> Any:
    """Import ``"module:Name"`` (``paths`` first on ``sys.path``), with one clear error."""
    module, sep, attr = target.partition(":")
    if not sep or not module or not attr:
        raise ConfigError(f"{where}: '{target}' must be an import path like \"package.module:ClassName\".")
    add_paths(paths)
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(f"{where}: cannot import module '{module}' of '{target}': {exc}. It must be importable "
                          "from the experiment's folder or an installed package.") from None
    except Exception as exc:  # noqa: BLE001 - the user's module raised while importing
        raise ConfigError(f"{where}: importing '{module}' failed: {type(exc).__name__}: {exc}.") from None
    obj = getattr(mod, attr, None)
    if obj is None:
        names = [n for n in dir(mod) if not n.startswith("_")]
        raise ConfigError(f"{where}: module '{module}' has no '{attr}'.{did_you_mean(attr, names)}")
    return obj


def add_paths(paths: tuple[str, ...]) -> None:
    """Put the experiment folders first on ``sys.path`` (once)."""
    for p in reversed(paths):
        if p not in sys.path:
            sys.path.insert(0, p)


def keyword_params(fn: Any) -> set[str] | None:
    """Keyword names ``fn`` accepts, or None when it takes ``**kwargs`` (anything goes)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    return {n for n, p in sig.parameters.items()
            if n != "self" and p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)}


def estimator_params(cls: Any) -> list[str]:
    """The hyperparameter names of a scikit-learn-style estimator class (its ``get_params()`` keys)."""
    try:
        return sorted(cls().get_params(deep=False))
    except Exception:  # noqa: BLE001 - no default constructor: fall back to the signature
        known = keyword_params(cls.__init__)
        return sorted(known) if known is not None else []


def check_estimator_params(where: str, cls: Any, params: dict[str, Any]) -> None:
    """Refuse hyperparameters the estimator does not have, with a did-you-mean."""
    if not inspect.isclass(cls) or not callable(getattr(cls, "fit", None)):
        raise ConfigError(f"{where}: estimator '{getattr(cls, '__name__', cls)}' must be a class with fit "
                          "(a scikit-learn-compatible estimator).")
    known = estimator_params(cls)
    if known:
        _refuse_unknown(where, params, known, cls.__name__)


def _refuse_unknown(where: str, params: dict[str, Any], known: list[str], owner: str) -> None:
    for key in params:
        if key not in known:
            same = [k for k in known if k.lower() == str(key).lower()]
            hint = f" Did you mean '{same[0]}'?" if same else did_you_mean(key, known)
            raise ConfigError(f"{where}: '{owner}' has no parameter '{key}'.{hint} "
                              f"Known: {', '.join(known[:20])}{', ...' if len(known) > 20 else ''}.")
