"""Catch CSV traps after DuckDB's sniffer has read a file: ambiguous dates and decimal commas.

DuckDB picks one date format for a column even when every value reads both day-first
and month-first (``03/04/1997``); such a column is refused unless ``[data] date_format``
says which. Numbers written with decimal commas (``12,5``) stay text unless
``[data] decimal = ","`` is set; that is refused too, with the fix.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from bakeoff.core.errors import DataError

SLASHED = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})"
DECIMAL_COMMA = r"^\s*-?\d{1,3}(\.\d{3})*,\d+\s*$|^\s*-?\d+,\d+\s*$"


def check_csv_text(con: duckdb.DuckDBPyConnection, path: Path, options: str) -> None:
    """Refuse ambiguous day/month dates (without a ``date_format``) and undeclared decimal commas.

    Raises:
        DataError: Naming the file, the column, an example value and the ``[data]`` option that fixes it.
    """
    types = {r[0]: r[1] for r in con.execute("DESCRIBE data").fetchall()}
    dates = [c for c, t in types.items() if t.startswith(("DATE", "TIMESTAMP"))]
    text = [c for c, t in types.items() if t == "VARCHAR"]
    if not dates and not text:
        return
    raw = f"read_csv(?, {options}, all_varchar = true)"
    if "dateformat" not in options:
        for col in dates:
            _check_dates(con, raw, path, col)
    if "decimal_separator" not in options:
        for col in text:
            _check_decimal(con, raw, path, col)


def _check_dates(con: duckdb.DuckDBPyConnection, raw: str, path: Path, col: str) -> None:
    q = f'''SELECT count(*), max(CAST(regexp_extract("{col}", '{SLASHED}', 1) AS INTEGER)),
                   max(CAST(regexp_extract("{col}", '{SLASHED}', 2) AS INTEGER)), any_value("{col}")
            FROM {raw} WHERE regexp_matches("{col}", '{SLASHED}')'''
    n, first, second, example = con.execute(q, [str(path)]).fetchone()
    if n and first <= 12 and second <= 12:
        raise DataError(
            f"{path}: column '{col}' holds dates such as {example!r} that read both day-first and month-first "
            f"(no day above 12 in {n:,} values); set [data] date_format = \"%m/%d/%Y\" (month first) or "
            "\"%d/%m/%Y\" (day first).")


def _check_decimal(con: duckdb.DuckDBPyConnection, raw: str, path: Path, col: str) -> None:
    q = f'''SELECT count(*) FILTER (WHERE regexp_matches("{col}", '{DECIMAL_COMMA}')),
                   count("{col}"), any_value("{col}") FILTER (WHERE regexp_matches("{col}", '{DECIMAL_COMMA}'))
            FROM {raw}'''
    hits, total, example = con.execute(q, [str(path)]).fetchone()
    if total and hits == total:
        raise DataError(f"{path}: column '{col}' holds numbers written with a decimal comma (e.g. {example!r}); "
                        "set [data] decimal = \",\" (and delimiter = \";\" if fields are separated by "
                        "semicolons).")
