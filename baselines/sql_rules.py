"""Rung 1: rules written in SQL, run in DuckDB against the problem's feature tables.

A rule reads table ``train`` (features and the target) and table ``holdout``
(features only) and returns columns ``key`` and ``prediction``, one row per
holdout key. Placeholders: ``{target}``, ``{key}`` (quoted identifiers),
``{target_name}``, ``{horizon_weeks}``, plus the header's ``params``. A parameter
whose value is ``*`` (a feature) or ``a|b|c`` (choices) is chosen on a validation
split of the training part; the rule is then rerun on the whole training part.
"""

from __future__ import annotations

import itertools
from typing import Any, Self

import numpy as np
import pandas as pd

from bakeoff.candidates.contract import Budget, Candidate
from bakeoff.core.errors import CandidateError, ConfigError, NotApplicable
from bakeoff.data.coltypes import as_numbers, is_two_level
from bakeoff.data.frame import Frame, Problem
from bakeoff.query.files import SqlFile, read_sql
from bakeoff.query.render import fill, problem_values, quote

VALIDATION_SHARE = 0.3


class SqlRule(Candidate):
    """A SQL rule from a ``.sql`` file with a metadata header."""

    family = "sql"
    rung = 1
    in_warehouse = True
    summary = "a rule written in SQL and run in DuckDB"

    def __init__(self, *, file: str, **params: Any) -> None:
        self.file = file
        self.overrides = {k: str(v) for k, v in params.items()}
        self.sql_: SqlFile | None = None

    @property
    def horizon_native(self) -> bool:  # type: ignore[override]
        return self._sql().meta.get("horizon", "") == "native"

    def _sql(self) -> SqlFile:
        if self.sql_ is None:
            self.sql_ = read_sql(self.file)
        return self.sql_

    @classmethod
    def passthrough_params(cls, params: dict[str, Any]) -> set[str] | None:
        """The ``params`` of the rule file's header (each one may be set in its [[candidate]] table)."""
        return set(read_sql(params["file"]).params) if isinstance(params.get("file"), str) else None

    def check_config(self, problem: Problem, name: str) -> None:
        """Parse the rule's SQL with its placeholders filled in (what ``bakeoff validate`` checks).

        Raises:
            ConfigError: Naming the file and DuckDB's parser message, a malformed placeholder,
                or a missing file.
        """
        import duckdb

        sql = self._sql()  # raises ConfigError naming a missing file
        values = problem_values(problem.target, problem.key, 1) | {"feature": quote("f")}
        params = {k: "1" for k in {**sql.params, **self.overrides}} | values
        try:
            text = fill(sql.text, params, keep_unknown=True)
            duckdb.connect(":memory:").extract_statements(text)
        except duckdb.Error as exc:
            raise ConfigError(f"SQL rule '{sql.path}' ([[candidate]] '{name}') does not parse: "
                              f"{str(exc).splitlines()[0]}") from None
        except (ValueError, IndexError) as exc:
            raise ConfigError(f"SQL rule '{sql.path}' has a malformed placeholder: {exc}") from None

    def check_applicable(self, problem: Problem) -> None:
        sql = self._sql()
        kinds = [k.strip() for k in sql.meta.get("kind", "").split(",") if k.strip()]
        if kinds and problem.kind not in kinds:
            raise NotApplicable(f"rule '{sql.name}' is for {'/'.join(kinds)} problems")
        if sql.tasks and problem.task not in sql.tasks:
            raise NotApplicable(f"rule '{sql.name}' predicts {'/'.join(sql.tasks)} targets, not {problem.task}")

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        sql = self._sql()
        self.query_s_ = 0.0
        grid = _grid({**sql.params, **self.overrides}, frame)
        self.search_: list[dict[str, Any]] = []
        if len(grid) > 1:
            self._search(frame, grid, budget, seed)
            ok = [s for s in self.search_ if np.isfinite(s["validation_score"])]
            if not ok:
                raise CandidateError(f"rule '{sql.name}' produced no usable parameter setting")
            best = max(ok, key=lambda s: s["validation_score"])
            self.params_ = {k: v for k, v in best.items() if k != "validation_score"}
        else:
            self.params_ = grid[0]
        self.train_ = frame.train
        self.flags_ = {c: str(frame.train[c].dtype.categories[1]) for c in frame.features
                       if is_two_level(frame.train[c])}
        self.threads_ = budget.threads
        self.fit_query_s_ = self.query_s_
        return self

    def _search(self, frame: Frame, grid: list[dict[str, Any]], budget: Budget, seed: int) -> None:
        """Score every parameter setting on a validation part of the training rows (one DuckDB session)."""
        from bakeoff.query.sandbox import rule_session

        target = frame.problem.target if frame.problem.task == "binary" else None
        fit_part, val_part = _validation_split(as_numbers(frame.train), seed, target)
        val_x = val_part.drop(columns=[frame.problem.target])
        y = val_part[frame.problem.target].to_numpy(float)
        with rule_session(fit_part, val_x, name=self._sql().name, threads=budget.threads,
                          on_query=self._count) as run:
            for params in grid:
                if budget.expired():
                    break
                pred = run(self.render(frame.problem, params)).reindex(val_x.index).to_numpy(dtype=float)
                self.search_.append({**params, "validation_score": _score(frame.problem.task, y, pred)})

    def predict(self, frame: Frame) -> pd.Series:
        pred = self._run(frame, self.params_, self.train_, frame.holdout)
        return pd.Series(pred, index=frame.holdout.index)

    def _run(self, frame: Frame, params: dict[str, Any], train: pd.DataFrame, holdout: pd.DataFrame) -> np.ndarray:
        from bakeoff.query.sandbox import run_rule

        text = self.render(frame.problem, params)
        out = run_rule(text, as_numbers(train), as_numbers(holdout), name=self._sql().name,
                       threads=getattr(self, "threads_", 1), on_query=self._count)
        return out.reindex(holdout.index).to_numpy(dtype=float)

    def _count(self, seconds: float) -> None:
        """Add a query's billed seconds (the warehouse cost: no DuckDB start-up, no copy)."""
        self.query_s_ = getattr(self, "query_s_", 0.0) + seconds

    def render(self, problem: Problem, params: dict[str, Any]) -> str:
        """The rule's SQL with every placeholder filled in."""
        values = problem_values(problem.target, problem.key, problem.horizon_weeks)
        values.update(_quoted(params))
        try:
            return fill(self._sql().text, values)
        except KeyError as exc:
            raise CandidateError(f"rule '{self._sql().name}' uses placeholder {{{exc.args[0]}}} "
                                 "that no parameter provides") from None

    def describe(self) -> dict[str, Any]:
        sql = self._sql()
        out: dict[str, Any] = {"rule": sql.name, "file": str(self.file), "chosen": self.params_,
                               "summary": sql.meta.get("summary", "")}
        if self.search_:
            out["search"] = sorted(self.search_, key=lambda s: -s["validation_score"])[:10]
        body = "\n".join(line for line in sql.text.splitlines() if not line.startswith("--"))
        out["sql"] = fill(body, _quoted(self.params_), keep_unknown=True)
        out["horizon_native"] = self.horizon_native
        feature = self.params_.get("feature")
        if feature is not None and feature in getattr(self, "flags_", {}):
            out["encoding"] = [f"{feature}: 0/1, 1 = {self.flags_[feature]!r}"]
        return out

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("train_", None)
        return state


def _quoted(params: dict[str, Any]) -> dict[str, Any]:
    """A rule's parameters as placeholder values: ``feature`` names a column, so it is quoted."""
    return {k: quote(v) if k == "feature" else v for k, v in params.items()}


def usable_features(frame: Frame) -> list[str]:
    """The features a rule's ``feature=*`` may pick: numbers, and two-level columns read as 0/1."""
    return [c for c in frame.features if is_two_level(frame.train[c]) or (
        pd.api.types.is_numeric_dtype(frame.train[c]) and not pd.api.types.is_bool_dtype(frame.train[c]))]


def _grid(params: dict[str, str], frame: Frame) -> list[dict[str, Any]]:
    choices: dict[str, list[str]] = {}
    for k, v in params.items():
        if v == "*":
            choices[k] = usable_features(frame)
            if not choices[k]:
                raise NotApplicable("no feature a rule can read (a number or a two-level column)")
        else:
            choices[k] = [s.strip() for s in str(v).split("|")]
    keys = list(choices)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*choices.values())] or [{}]


def _validation_split(train: pd.DataFrame, seed: int, target: str | None = None,
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded share of the training rows to choose parameters on.

    When that share misses a class of a binary ``target`` (few positives), the share is drawn
    within each class instead, so the rule can be scored on it.
    """
    rng = np.random.default_rng(seed)
    mask = rng.random(len(train)) < VALIDATION_SHARE
    y = train[target].to_numpy(float) if target is not None else None
    if y is not None and set(np.unique(y)) <= {0.0, 1.0} and len(np.unique(y[mask])) < 2 <= len(np.unique(y)):
        mask = np.zeros(len(train), dtype=bool)
        for value in (0.0, 1.0):
            rows = np.flatnonzero(y == value)
            mask[rng.permutation(rows)[:max(1, int(round(len(rows) * VALIDATION_SHARE)))]] = True
    return train[~mask], train[mask]


def _score(task: str, actual: np.ndarray, pred: np.ndarray) -> float:
    """Higher is better: ROC AUC for binary targets, minus the mean squared error otherwise."""
    if not np.isfinite(pred).all():
        return float("nan")
    if task == "binary":
        from bakeoff.candidates.metrics import METRICS

        return METRICS["roc_auc"](actual, pred)
    return -float(np.mean((actual - pred) ** 2))
