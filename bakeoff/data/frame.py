"""The problem frame: what every candidate fits on and predicts for.

Tabular problems get a train part and a holdout part of the rows. Customer-base
problems get RFM + BTYD summaries built in DuckDB SQL (``sql/features``): the
holdout rows are the customers acquired by ``calibration_end`` with features as of
that day; the training rows carry the same features as of an earlier cut-off with
the target from the window between that cut-off and ``calibration_end``; the frame's
``alignment`` (:mod:`bakeoff.data.horizon`) carries that target to the holdout horizon.
Candidates never see the holdout target: the runner keeps it and scores.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from bakeoff.config.experiment import Experiment
from bakeoff.core.errors import DataError
from bakeoff.data.coltypes import YES_NO, flag_levels, is_date, read_types, unusable
from bakeoff.data.horizon import HorizonAlignment
from bakeoff.data.sources import columns, load_part, require_column
from bakeoff.data.splits import holdout_mask, read_rows
from bakeoff.query.files import read_sql

TASK_OF_CUSTOMER_TARGET = {"purchases": "count", "active": "binary", "spend": "regression"}


@dataclass(frozen=True)
class Problem:
    """What is predicted: ``task`` is binary, regression or count (what predictions mean)."""

    kind: str
    task: str
    target: str
    key: str
    horizon_weeks: float | None = None
    label_weeks: float | None = None
    calibration_end: dt.date | None = None
    dates: str = ""
    labels: str = ""

    @property
    def horizon_scale(self) -> float:
        """Holdout horizon over training label window (1 for tabular problems)."""
        if self.horizon_weeks and self.label_weeks:
            return self.horizon_weeks / self.label_weeks
        return 1.0


@dataclass(frozen=True)
class Frame:
    """Train and holdout parts, indexed by the problem's key.

    ``train`` holds the features and the target column; ``holdout`` holds the
    features only. ``holdout_y`` is None in the copy candidates receive. ``alignment``
    (customer-base problems) moves label-window predictions to the holdout horizon.
    """

    problem: Problem
    train: pd.DataFrame
    holdout: pd.DataFrame
    features: tuple[str, ...]
    holdout_y: pd.Series | None = None
    segments: pd.DataFrame | None = None
    train_time: np.ndarray | None = None
    alignment: HorizonAlignment | None = None
    train_groups: np.ndarray | None = None
    notes: tuple[str, ...] = ()

    @property
    def y_train(self) -> pd.Series:
        """The training target."""
        return self.train[self.problem.target]

    def without_truth(self) -> Frame:
        """The copy candidates receive: no holdout target, no segments."""
        return dataclasses.replace(self, holdout_y=None, segments=None)


def build_tabular_frame(exp: Experiment, con: duckdb.DuckDBPyConnection, origin: str) -> Frame:
    """Build the frame of a binary / regression / count problem from table ``data`` in ``con``.

    (``customers.build_customer_frame`` builds the customer-base one; ``runner.prepare`` picks.)

    Raises:
        DataError: If a configured column is missing or the data does not fit the problem.
    """
    p = exp.problem
    cols = columns(con)
    for field, name in _named_columns(exp):
        require_column(cols, name, field, origin)
    df, given = read_rows(exp, con, origin, load_part)
    key = p.key or "row"
    if p.key is None:
        df.insert(0, key, np.arange(len(df)))
    elif df[key].duplicated().any():
        dupes = int(df[key].duplicated().sum())
        raise DataError(f"{origin}: [problem].key column '{key}' must be unique; {dupes} rows repeat a key.")
    df = df.set_index(key)
    df, notes = read_types(df, skip={p.split.column} - {None})
    y, labels = _positive(df[p.target], p.kind, p.positive, origin)
    y = _clean_target(y, p.kind, origin, p.target)
    features, dropped = _feature_columns(df, exp, key, origin)
    notes += dropped
    train_mask = _split(df, y, exp, origin, given)
    when = None
    if p.split.method == "time":
        when = pd.to_datetime(df.loc[train_mask, p.split.column], errors="coerce").to_numpy("datetime64[ns]")
    problem = Problem(kind=p.kind, task=p.kind, target=p.target, key=key, dates=_split_dates(df, exp, train_mask),
                      labels=labels)
    train = df.loc[train_mask, list(features)].assign(**{p.target: y[train_mask]})
    holdout = df.loc[~train_mask, list(features)]
    seg = df.loc[~train_mask, list(p.segments)] if p.segments else None
    groups = df.loc[train_mask, p.split.column].to_numpy() if p.split.method == "group" else None
    frame = Frame(problem, train, holdout, features, y[~train_mask], seg, when, train_groups=groups,
                  notes=tuple(notes))
    check_frame(frame, origin)
    return frame


def _named_columns(exp: Experiment) -> list[tuple[str, str]]:
    p = exp.problem
    named = [("[problem].target", p.target)]
    named += [("[problem].key", p.key)] if p.key else []
    named += [("[problem].split.column", p.split.column)] if p.split.column else []
    named += [("[problem].segments", s) for s in p.segments]
    named += [("[problem].features", f) for f in (p.features or ())]
    return named


def _positive(actual: pd.Series, kind: str, positive: Any, origin: str) -> tuple[pd.Series, str]:
    """A binary target as 0/1, and the sentence naming the class that counts as 1.

    ``positive`` may name a label in any spelling present in the file (case aside), or a
    yes/true word for a yes/no, y/n, true/false or t/f column; without it such a column counts
    its yes/true level as 1, and other text labels must be named.
    """
    values = sorted(map(str, actual.dropna().unique()))
    if kind != "binary" or not values:
        return actual, ""  # an empty target is reported by _clean_target
    numeric = pd.api.types.is_numeric_dtype(actual) and not isinstance(actual.dtype, pd.CategoricalDtype)
    flag = flag_levels(values)
    if positive is None:
        if numeric:
            return actual, ""
        if flag is None:
            shown = ", ".join(repr(v) for v in values[:5])
            raise DataError(f"{origin}: binary target column '{actual.name}' holds labels ({shown}); set "
                            f"[problem].positive = {values[-1]!r} (the label that counts as 1).")
        label = flag[1]
    else:
        label = _label_of(positive, values, flag, numeric)
        if label is None:
            raise DataError(f"{origin}: [problem].positive = {positive!r} is not a value of target column "
                            f"'{actual.name}'; expected one of {', '.join(repr(v) for v in values[:10])}"
                            f"{' (any case)' if not numeric else ''}.")
    if numeric:
        hit = actual.to_numpy(float) == float(label)
    else:
        hit = (actual.astype(object).astype(str) == label).to_numpy()
    out = pd.Series(hit.astype(float), index=actual.index, name=actual.name).where(actual.notna())
    n = int(actual.notna().sum())
    return out, f"Positive class: {label!r} ({int(np.nansum(out)):,} of {n:,} rows) of target '{actual.name}'."


def _label_of(positive: Any, values: list[str], flag: tuple[str, str] | None, numeric: bool) -> str | None:
    """The label of the file that ``positive`` names, or None."""
    if numeric:
        try:
            wanted = float(positive)
        except (TypeError, ValueError):
            return None
        return next((v for v in values if float(v) == wanted), None)
    text = str(positive).strip()
    if text in values:
        return text
    same = [v for v in values if v.lower() == text.lower()]
    if len(same) == 1:
        return same[0]
    if flag is not None:
        for neg, pos in YES_NO:
            if text.lower() in (neg, pos):
                return flag[1] if text.lower() == pos else flag[0]
    return None


def _split_dates(df: pd.DataFrame, exp: Experiment, train_mask: np.ndarray) -> str:
    s = exp.problem.split
    if s.method != "time":
        return ""
    when = pd.to_datetime(df[s.column], errors="coerce", format=exp.data.date_format)
    text = (f"Training rows {when[train_mask].min():%Y-%m-%d}..{when[train_mask].max():%Y-%m-%d}, holdout rows "
            f"{when[~train_mask].min():%Y-%m-%d}..{when[~train_mask].max():%Y-%m-%d} (column '{s.column}', "
            f"cutoff {s.cutoff}).")
    if when[train_mask].nunique() == 1:  # a snapshot table: no earlier rows to validate forward from
        text += (" The training rows share one date, so validation inside them (tuning folds, inner splits) "
                 "uses shuffled folds (stratified for a binary target), not forward chaining.")
    return text


def _clean_target(actual: pd.Series, kind: str, origin: str, name: str) -> pd.Series:
    if actual.isna().all():
        raise DataError(f"{origin}: target column '{name}' is empty (all {len(actual)} values missing).")
    if not pd.api.types.is_numeric_dtype(actual) and not pd.api.types.is_bool_dtype(actual):
        raise DataError(f"{origin}: target column '{name}' must be numeric for a {kind} problem; "
                        f"found {actual.dtype} values such as {actual.dropna().iloc[0]!r}.")
    n_nan = int(actual.isna().sum())
    if n_nan:
        raise DataError(f"{origin}: target column '{name}' has {n_nan} missing values; expected none.")
    actual = actual.astype(float)
    if kind == "binary" and not set(np.unique(actual)) <= {0.0, 1.0}:
        raise DataError(f"{origin}: target column '{name}' must hold 0/1 for a binary problem; "
                        f"found values {sorted(np.unique(actual))[:5]}.")
    if kind == "binary" and actual.nunique() < 2:
        raise DataError(f"{origin}: target column '{name}' has one class only; a binary problem needs two.")
    if kind == "count" and ((actual < 0).any() or (actual != np.round(actual)).any()):
        raise DataError(f"{origin}: target column '{name}' must hold non-negative whole counts.")
    return actual


def _feature_columns(df: pd.DataFrame, exp: Experiment, key: str, origin: str) -> tuple[tuple[str, ...], list[str]]:
    """The feature columns and a note per column left out.

    Listed features (``[problem].features``) are kept unless constant; an empty listed feature is an
    error. Otherwise every other column is a candidate feature, less dates, all-missing, constant
    and ID-like columns (:func:`bakeoff.data.coltypes.unusable`).
    """
    p = exp.problem
    drop = {p.target, key, p.split.column, *p.exclude}
    cols = list(p.features) if p.features else [c for c in df.columns if c not in drop]
    keep, notes = [], []
    for col in cols:
        why = unusable(df[col])
        if p.features and why.startswith("all"):
            raise DataError(f"{origin}: feature column '{col}' is empty (all {len(df)} values missing); "
                            "drop it from the data or list it in [problem].exclude.")
        if p.features and why.startswith("an ID"):
            why = ""  # listed on purpose
        if not p.features and is_date(df[col]):
            why = "a date or time (not used as a feature)"
        if why:
            notes.append(f"Column '{col}' left out of the features: {why}.")
            continue
        keep.append(col)
    if not keep:
        raise DataError(f"[problem]: no usable feature columns besides the target '{p.target}'"
                        f"{' (' + '; '.join(notes) + ')' if notes else ''}.")
    return tuple(keep), notes


def _split(df: pd.DataFrame, actual: pd.Series, exp: Experiment, origin: str, given: np.ndarray | None) -> np.ndarray:
    s = exp.problem.split
    if s.method in ("fixed", "group"):
        return ~holdout_mask(df, exp, origin, given)
    if s.method == "time":
        when = pd.to_datetime(df[s.column], errors="coerce", format=exp.data.date_format)
        bad = int((when.isna() & df[s.column].notna()).sum())
        if bad:
            example = df.loc[when.isna() & df[s.column].notna(), s.column].iloc[0]
            raise DataError(f"{origin}: {bad} values of split column '{s.column}' are not dates "
                            f"(e.g. {example!r}); expected {exp.data.date_format or 'YYYY-MM-DD'} "
                            "(set [data] date_format for other layouts).")
        mask = (when <= pd.Timestamp(s.cutoff)).to_numpy()
        if mask.all() or not mask.any():
            raise DataError(f"{origin}: split cutoff {s.cutoff} is outside the data range "
                            f"{when.min():%Y-%m-%d}..{when.max():%Y-%m-%d} of column '{s.column}'.")
        return mask
    rng = np.random.default_rng(exp.seed)
    holdout = np.zeros(len(df), dtype=bool)
    groups = [np.arange(len(df))]
    if s.stratify and exp.problem.kind == "binary":
        groups = [np.flatnonzero(actual.to_numpy() == v) for v in (0.0, 1.0)]
    for idx in groups:
        n = int(round(len(idx) * s.holdout))
        holdout[rng.permutation(idx)[:n]] = True
    return ~holdout


def check_frame(frame: Frame, origin: str) -> None:
    """Refuse frames no candidate can be scored on."""
    if len(frame.train) < 2 or len(frame.holdout) < 2:
        raise DataError(f"{origin}: the split leaves {len(frame.train)} training and {len(frame.holdout)} "
                        "holdout rows; expected at least 2 of each.")
    if frame.problem.task == "binary" and frame.y_train.nunique() < 2:
        raise DataError(f"{origin}: the training part has one class only ({len(frame.train)} rows, all "
                        f"{frame.y_train.iloc[0]:g}); move the split so both classes are in it.")
    y = frame.holdout_y
    if frame.problem.task == "binary" and y is not None and y.nunique() < 2:
        raise DataError(f"{origin}: the holdout has one class only ({len(y)} rows); "
                        "ROC AUC and log loss need both classes.")


def run_sql_file(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pd.DataFrame:
    """Run a bundled ``sql/features`` file and return its result (or nothing for DDL)."""
    sql = read_sql(f"features/{name}.sql").text
    rel = con.execute(sql, params or {})
    return rel.df() if rel.description else pd.DataFrame()
