"""The splits teams already have, beside random and time: a fixed holdout and a group split.

* ``method = "fixed"`` — the holdout is given: a boolean / label ``column`` of the data
  (``value`` names the label meaning "holdout"; by default True, 1, "holdout" or "test"),
  or a separate ``file`` (CSV / Parquet) or ``table`` (in ``[data].database``) with the
  same columns as the training data.
* ``method = "group"`` — all rows of one entity (``column``) land on the same side; a
  seeded share ``holdout`` of the entities forms the holdout.

Errors name the file and column: an empty side, a given holdout that overlaps the
training rows (same key, or identical rows when there is no key), a holdout file that
misses a column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bakeoff.core.errors import DataError

if TYPE_CHECKING:
    import duckdb

    from bakeoff.config.experiment import Experiment

HOLDOUT_LABELS = ("holdout", "test")
HOLDOUT_TABLE = "holdout_data"


def read_rows(exp: Experiment, con: duckdb.DuckDBPyConnection, origin: str,
              load_part: Callable[..., str]) -> tuple[pd.DataFrame, np.ndarray | None]:
    """All rows of table ``data`` and, for a separate holdout file or table, those rows appended.

    ``load_part`` is :func:`bakeoff.data.sources.load_part` (passed in: this module sits below the data layer).

    Returns:
        The rows and a boolean holdout mask when the holdout came from a separate source (else None).

    Raises:
        DataError: If the holdout source misses a column or overlaps the training rows.
    """
    s = exp.problem.split
    train = con.execute("SELECT * FROM data").df()
    if s.method != "fixed" or (s.file is None and s.table is None):
        return train, None
    where = load_part(exp, con, HOLDOUT_TABLE, source=s.file, table=s.table, field="[problem].split")
    hold = con.execute(f"SELECT * FROM {HOLDOUT_TABLE}").df()
    missing = [c for c in train.columns if c not in hold.columns]
    if missing:
        raise DataError(f"{where}: the holdout misses column '{missing[0]}' of the training data {origin}; "
                        "expected the same columns.")
    hold = hold[list(train.columns)]
    _check_overlap(train, hold, exp.problem.key, where)
    rows = pd.concat([train, hold], ignore_index=True)
    mask = np.r_[np.zeros(len(train), dtype=bool), np.ones(len(hold), dtype=bool)]
    return rows, mask


def _check_overlap(train: pd.DataFrame, hold: pd.DataFrame, key: str | None, where: str) -> None:
    if key is not None and key in train.columns:
        both = pd.Index(train[key]).intersection(pd.Index(hold[key]))
        if len(both):
            raise DataError(f"{where}: {len(both)} holdout rows share a '{key}' with the training data "
                            f"(e.g. {both[0]!r}); a holdout must not overlap the training rows.")
        return
    seen = set(pd.util.hash_pandas_object(train, index=False).to_numpy())
    dup = np.isin(pd.util.hash_pandas_object(hold, index=False).to_numpy(), list(seen))
    if dup.any():
        raise DataError(f"{where}: {int(dup.sum())} holdout rows are identical to training rows (e.g. holdout "
                        f"row {int(np.flatnonzero(dup)[0]) + 1}); a holdout must not overlap the training rows. "
                        "Remove them, or set [problem].key if identical rows are distinct records.")


def holdout_mask(df: pd.DataFrame, exp: Experiment, origin: str, given: np.ndarray | None) -> np.ndarray:
    """The holdout rows of a fixed or group split (True = holdout).

    Raises:
        DataError: If a side is empty, or the flag / group column cannot be read.
    """
    s = exp.problem.split
    if given is not None:
        mask = given
        what = f"the holdout {'file' if s.file else 'table'} '{s.file or s.table}'"
    elif s.method == "fixed":
        mask = _flag(df[s.column], s.value, origin, s.column)
        what = f"split column '{s.column}'"
    else:
        mask = _groups(df[s.column], s.holdout, exp.seed, origin, s.column)
        what = f"group column '{s.column}'"
    n_hold = int(mask.sum())
    if n_hold == 0 or n_hold == len(mask):
        side = "holdout" if n_hold == 0 else "training"
        raise DataError(f"{origin}: {what} leaves the {side} side empty ({n_hold} of {len(mask)} rows in the "
                        "holdout); expected rows on both sides.")
    return mask


def _flag(col: pd.Series, value: str | int | bool | None, origin: str, name: str) -> np.ndarray:
    if col.isna().any():
        raise DataError(f"{origin}: split column '{name}' has {int(col.isna().sum())} missing values; expected "
                        "every row marked as training or holdout.")
    if value is not None:
        if pd.api.types.is_numeric_dtype(col) and not isinstance(value, str):
            return (col.to_numpy() == value)
        return (col.astype(str).to_numpy() == str(value))
    if pd.api.types.is_bool_dtype(col):
        return col.to_numpy(bool)
    if pd.api.types.is_numeric_dtype(col):
        if not set(np.unique(col.to_numpy(float))) <= {0.0, 1.0}:
            raise DataError(f"{origin}: split column '{name}' must hold 0/1 or true/false (1 = holdout); found "
                            f"{sorted(np.unique(col))[:5]}. Set value = ... to name the holdout label.")
        return col.to_numpy(float) == 1.0
    text = col.astype(str).str.strip().str.lower()
    labels = set(text.unique())
    if labels <= {"true", "false"}:
        return (text == "true").to_numpy()
    if not labels & set(HOLDOUT_LABELS):
        raise DataError(f"{origin}: split column '{name}' has labels {sorted(labels)[:5]} but none of "
                        f"{', '.join(HOLDOUT_LABELS)}; set value = \"<holdout label>\" in [problem].split.")
    return text.isin(HOLDOUT_LABELS).to_numpy()


def _groups(col: pd.Series, share: float, seed: int, origin: str, name: str) -> np.ndarray:
    if col.isna().any():
        raise DataError(f"{origin}: group column '{name}' has {int(col.isna().sum())} missing values; every row "
                        "needs its entity.")
    codes, uniques = pd.factorize(col, sort=True)
    n_groups = len(uniques)
    if n_groups < 2:
        raise DataError(f"{origin}: group column '{name}' has {n_groups} distinct value; a group split needs "
                        "at least 2 entities.")
    rng = np.random.default_rng(seed)
    n_hold = min(max(1, int(round(n_groups * share))), n_groups - 1)
    held = np.zeros(n_groups, dtype=bool)
    held[rng.permutation(n_groups)[:n_hold]] = True
    return held[codes]
