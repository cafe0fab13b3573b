"""Run user SQL in a DuckDB connection that can read only the problem's tables.

The connection holds copies of ``train`` and ``holdout``; external access (files,
HTTP, extensions) is switched off and the configuration locked before any user
SQL runs. Only a single SELECT (or WITH ... SELECT) statement is accepted.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from bakeoff.errors import CandidateError


def sandbox(tables: dict[str, pd.DataFrame], threads: int = 1) -> duckdb.DuckDBPyConnection:
    """A locked-down connection holding ``tables`` (read through their index as a column)."""
    con = duckdb.connect(":memory:", config={"threads": threads})
    for name, df in tables.items():
        con.register("_src", df.reset_index())
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _src')
        con.unregister("_src")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run_rule(sql: str, train: pd.DataFrame, holdout: pd.DataFrame, *, key: str, name: str,
             threads: int = 1) -> pd.Series:
    """Run a rule and return its predictions indexed by key.

    Raises:
        CandidateError: On SQL errors, forbidden statements, wrong columns or duplicate keys.
    """
    con = sandbox({"train": train, "holdout": holdout}, threads)
    try:
        stmts = con.extract_statements(sql)
        if len(stmts) != 1 or stmts[0].type != duckdb.StatementType.SELECT:
            kinds = ", ".join(s.type.name for s in stmts) or "nothing"
            raise CandidateError(f"rule '{name}' must be one SELECT statement; found {kinds}")
        out = con.execute(sql).df()
    except duckdb.Error as exc:
        raise CandidateError(f"rule '{name}': DuckDB error: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    if list(out.columns) != ["key", "prediction"]:
        raise CandidateError(f"rule '{name}' must return columns (key, prediction); got ({', '.join(out.columns)})")
    if out["key"].duplicated().any():
        raise CandidateError(f"rule '{name}' returned {int(out['key'].duplicated().sum())} duplicate keys")
    series = out.set_index("key")["prediction"].astype(float)
    missing = holdout.index.difference(series.index)
    if len(missing):
        raise CandidateError(f"rule '{name}' returned no prediction for {len(missing)} keys (e.g. {missing[0]!r})")
    return series
