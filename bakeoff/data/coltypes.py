"""Columns read for what they mean, once, before any rung sees them.

Tables teams bring hold yes/no flags, numbers written as text and columns no model can use.
Each rung used to interpret them on its own (DuckDB's BOOLEAN, a SQL rule's ``quantile_cont``,
a one-hot of ``"1,234"``); here the frame settles them once and says what it did:

* **Two-level columns.** A column holding yes/no, y/n, true/false or t/f (any case) or Python
  booleans becomes a pandas categorical with the negative level first (``["no", "yes"]``), in
  the spelling of the file. So does any other text column with exactly two values (levels in
  sorted order). :func:`indicator` gives the 0/1 reading every rung shares (1 = the second level).
* **Numbers written as text.** A text column whose values are all numbers with thousands
  separators (``"1,234"``) becomes numeric; one whose values are numbers but for a few
  placeholders (``"n/a"``, ``"-"``) becomes numeric with those read as missing. Both are noted.
* **Unusable columns.** An automatically chosen feature that is all missing, constant, or an
  ID (a text value, or a run of consecutive whole numbers, distinct on every row) is dropped
  with a note; date and time columns are not features unless listed in ``[problem].features``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from bakeoff.core.jsonable import plain

YES_NO = (("no", "yes"), ("n", "y"), ("false", "true"), ("f", "t"))
THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$|^[+-]?\d+(\.\d+)?$"
LEADING_ZERO = r"^[+-]?0\d"  # a zip code or an account number, not a quantity
NUMERIC_SHARE = 0.9  # a text column this numeric, the rest placeholders, is a number column
MAX_PLACEHOLDERS = 3  # distinct non-numeric values such a column may hold
ID_MIN_ROWS = 20  # fewer rows than this cannot show a column to be an ID


def is_two_level(series: pd.Series) -> bool:
    """True for a categorical column with exactly two levels (what :func:`read_types` makes of flags)."""
    return isinstance(series.dtype, pd.CategoricalDtype) and len(series.dtype.categories) == 2


def is_text(series: pd.Series) -> bool:
    """True for a text or categorical column (neither numeric, boolean nor a date)."""
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
                or pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series))


def indicator(series: pd.Series, level: str, other: str | None = None) -> np.ndarray:
    """0/1 floats, 1 where ``series`` equals ``level`` as text (case aside: ``True`` is ``"TRUE"``), NaN if missing.

    With ``other`` (the column's first level), a value that is neither level (one never seen in
    training) is missing too, not read as the first level.
    """
    text = series.astype(object).astype(str).str.strip().str.lower()
    out = np.array(text == str(level).strip().lower(), dtype=float)  # a writable copy
    out[series.isna().to_numpy()] = np.nan
    if other is not None:
        out[((text != str(level).strip().lower()) & (text != str(other).strip().lower())).to_numpy()] = np.nan
    return out


def as_numbers(df: pd.DataFrame, like: pd.DataFrame | None = None) -> pd.DataFrame:
    """``df`` as SQL rules read it: two-level columns as 0/1 (1 = the second level), booleans as 0/1.

    Args:
        df: The rows.
        like: The frame whose two-level columns say which columns and levels to read (default ``df``
            itself); new rows to score, read as raw text, pass the training rows here.
    """
    like = df if like is None else like
    out = {c: indicator(df[c], *map(str, like[c].dtype.categories[::-1])) for c in df.columns
           if c in like.columns and is_two_level(like[c])}
    out |= {c: df[c].astype(float) for c in df.columns if c not in out and pd.api.types.is_bool_dtype(df[c])}
    return df.assign(**out) if out else df


def column_kinds(df: pd.DataFrame) -> dict[str, object]:
    """How each column was read, to read new rows the same way (:func:`conform`; an export's ``problem.json``).

    ``"number"``, ``{"levels": [first, second]}`` for a two-level column, or ``"text"``.
    """
    out: dict[str, object] = {}
    for col in df.columns:
        s = df[col]
        if is_two_level(s):
            out[str(col)] = {"levels": [str(v) for v in s.dtype.categories]}
        else:
            out[str(col)] = "text" if is_text(s) else "number"
    return out


def conform(df: pd.DataFrame, kinds: dict[str, object]) -> pd.DataFrame:
    """New rows (read from a CSV, say) typed as the training rows were (:func:`column_kinds`).

    Number columns that arrive as text lose thousands separators, and values that are not numbers
    become missing; two-level columns become the same categorical (case aside; other values missing).
    """
    out = {}
    for col, kind in kinds.items():
        if col not in df.columns:
            continue
        s = df[col]
        if kind == "number" and not pd.api.types.is_numeric_dtype(s):
            text = s.astype(object).where(s.notna()).astype(str).str.strip().str.replace(",", "", regex=False)
            out[col] = pd.to_numeric(text.where(s.notna()), errors="coerce").astype(float)
        elif isinstance(kind, dict) and not is_two_level(s):
            low, high = kind["levels"]
            flag = indicator(s, high, low)
            values = np.where(np.isnan(flag), None, np.where(flag == 1.0, high, low))
            out[col] = pd.Series(pd.Categorical(values, categories=[low, high]), index=df.index)
    return df.assign(**out) if out else df


def read_types(df: pd.DataFrame, skip: Iterable[str] = ()) -> tuple[pd.DataFrame, list[str]]:
    """``df`` with flags as two-level categoricals and numbers written as text as numbers; and notes.

    Args:
        df: The rows as read from the source.
        skip: Columns left as they are (the key, the split column).

    Returns:
        The retyped frame (a new object; unchanged columns are shared) and one note per retyped column
        that is not a plain flag.
    """
    skip, out, notes = set(skip), {}, []
    for col in df.columns:
        if col in skip:
            continue
        retyped, note = _read_column(df[col])
        if retyped is not None:
            out[col] = retyped
        if note:
            notes.append(f"Column '{col}': {note}.")
    return (df.assign(**out) if out else df), notes


def _read_column(series: pd.Series) -> tuple[pd.Series | None, str]:
    if pd.api.types.is_bool_dtype(series):
        values = series.astype(object).map({True: "True", False: "False"})
        return pd.Series(pd.Categorical(values, categories=["False", "True"]), index=series.index), ""
    if not is_text(series) or isinstance(series.dtype, pd.CategoricalDtype):
        return None, ""
    present = series.dropna().astype(str).str.strip()
    levels = sorted(present.unique())
    if not levels:
        return None, ""
    flag = flag_levels(levels)
    if flag is not None:
        return _categorical(series, present, flag), ""
    number, note = _as_number(present, len(series))
    if number is not None:
        return number.reindex(series.index), note
    if len(levels) == 2:
        return _categorical(series, present, tuple(levels)), ""
    return None, ""


def flag_levels(values: Iterable[str]) -> tuple[str, str] | None:
    """(negative, positive) spellings when ``values`` are one yes/no, y/n, true/false or t/f pair (any case).

    Mixed case of one word (``"Yes"`` and ``"yes"``) is read as one level in lower case. A column
    holding only one of the two words is not taken for a flag (it may be a constant or a label).
    """
    values = list(dict.fromkeys(values))
    lower = {v.lower() for v in values}
    for neg, pos in YES_NO:
        if lower == {neg, pos}:
            spelled = {v.lower(): v for v in values}
            if len(values) == 2:
                return spelled[neg], spelled[pos]
            return neg, pos
    return None


def _categorical(series: pd.Series, present: pd.Series, levels: tuple[str, str]) -> pd.Series:
    by_lower = {lv.lower(): lv for lv in levels}
    mapped = present.map(lambda v: v if v in levels else by_lower.get(v.lower(), v))
    return pd.Series(pd.Categorical(mapped.reindex(series.index), categories=list(levels)), index=series.index)


def _as_number(present: pd.Series, n_rows: int) -> tuple[pd.Series | None, str]:
    """The values as floats when they are numbers (thousands separators allowed) but for a few placeholders."""
    numeric = present.str.fullmatch(THOUSANDS)
    share = float(numeric.mean())
    if share < NUMERIC_SHARE or present.str.match(LEADING_ZERO).any():  # codes such as "02134" stay text
        return None, ""
    others = present[~numeric]
    if others.nunique() > MAX_PLACEHOLDERS:
        return None, ""
    values = pd.to_numeric(present.where(numeric).str.replace(",", "", regex=False), errors="coerce")
    parts = []
    if present[numeric].str.contains(",", regex=False).any():
        parts.append("numbers written with thousands separators (e.g. "
                     f"{present[numeric & present.str.contains(',', regex=False)].iloc[0]!r}) read as numbers")
    else:
        parts.append("numbers stored as text read as numbers")
    if len(others):
        shown = ", ".join(repr(v) for v in sorted(others.unique()))
        parts.append(f"{len(others):,} of {n_rows:,} values ({shown}) read as missing")
    return values.astype(float), "; ".join(parts)


def unusable(series: pd.Series) -> str:
    """Why a column cannot serve as a feature ('' when it can): all missing, constant, an ID.

    Number columns are judged on their minimum and maximum (no hashing of every row at scale).
    """
    n_rows = len(series)
    missing = int(series.isna().sum())
    if missing == n_rows:
        return f"all {n_rows:,} values missing"
    if not is_text(series) and not is_date(series):
        low, high = series.min(), series.max()
        if low == high and not missing:  # one value and blanks: whether it is filled in may tell
            return f"constant (every value is {plain(low)!r})"
        whole = pd.api.types.is_integer_dtype(series) and not pd.api.types.is_bool_dtype(series)
        if (whole and not missing and n_rows >= ID_MIN_ROWS and int(high) - int(low) == n_rows - 1
                and series.is_unique):
            return "an ID (consecutive whole numbers, distinct on every row)"
        return ""
    distinct = series.nunique(dropna=True)
    if distinct == 1 and not missing:
        return f"constant (every value is {plain(series.dropna().iloc[0])!r})"
    if is_text(series) and not missing and n_rows >= ID_MIN_ROWS and distinct == n_rows:
        return "an ID (a distinct text value on every row)"
    return ""


def is_date(series: pd.Series) -> bool:
    """True for date, timestamp (with or without a time zone) and duration columns."""
    return pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series)
