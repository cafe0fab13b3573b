"""Run user SQL in a DuckDB connection that can read only the problem's tables.

The connection reads ``train`` and ``holdout`` as views over the caller's pandas columns
(DuckDB scans them in place: no copy of the frame, whose numeric columns are themselves
memory-mapped from the run's frame files, so a rule on 18M customers adds only its query's
working memory); external access (files, HTTP, extensions, Python variables by name) is
switched off and the configuration locked before any user SQL runs. Only a single SELECT
(or WITH ... SELECT) statement is accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd

from bakeoff.core.errors import CandidateError
from bakeoff.core.measure import Stopwatch, billed


def sandbox(tables: dict[str, pd.DataFrame], threads: int = 1) -> duckdb.DuckDBPyConnection:
    """A locked-down connection reading ``tables`` (their index as a column) in place, as views."""
    con = duckdb.connect(":memory:", config={"threads": threads})
    con.execute("SET enable_progress_bar = false")  # large holdouts: the bar would leak into stdout
    for name, df in tables.items():
        con.register(name, df.reset_index())  # copy-on-write pandas: the columns are shared, not copied
    con.execute("SET python_enable_replacements = false")  # no Python variables by name (external access too)
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run_rule(sql: str, train: pd.DataFrame, holdout: pd.DataFrame, *, name: str, threads: int = 1,
             on_query: Callable[[float], None] | None = None) -> pd.Series:
    """Run a rule and return its predictions indexed by key (a :func:`rule_session` of one query).

    Raises:
        CandidateError: On SQL errors, forbidden statements, wrong columns or duplicate keys.
    """
    with rule_session(train, holdout, name=name, threads=threads, on_query=on_query) as run:
        return run(sql)


@contextmanager
def rule_session(train: pd.DataFrame, holdout: pd.DataFrame, *, name: str, threads: int = 1,
                 on_query: Callable[[float], None] | None = None) -> Iterator[Callable[[str], pd.Series]]:
    """A sandbox reading ``train`` and ``holdout`` (in place) and a function running a rule in it.

    The function returns the rule's predictions indexed by key; a search over a rule's
    parameters runs all its queries in one session. ``on_query`` receives the billed seconds
    (:func:`bakeoff.core.measure.billed`) of each query alone, without starting DuckDB and copying
    the tables in: what a warehouse that holds the tables would run.

    Raises:
        CandidateError: On SQL errors, forbidden statements, wrong columns or duplicate keys.
    """
    con = sandbox({"train": train, "holdout": holdout}, threads)
    try:
        yield lambda sql: _query(con, sql, holdout, name, threads, on_query)
    finally:
        con.close()


def _query(con: duckdb.DuckDBPyConnection, sql: str, holdout: pd.DataFrame, name: str, threads: int,
           on_query: Callable[[float], None] | None) -> pd.Series:
    try:
        stmts = con.extract_statements(sql)
        if len(stmts) != 1 or stmts[0].type != duckdb.StatementType.SELECT:
            kinds = ", ".join(s.type.name for s in stmts) or "nothing"
            raise CandidateError(f"rule '{name}' must be one SELECT statement; found {kinds}")
        with Stopwatch() as sw:
            out = con.execute(sql).df()
        if on_query is not None:
            on_query(billed(sw, threads))
    except duckdb.Error as exc:
        raise CandidateError(f"rule '{name}': DuckDB error: {str(exc).splitlines()[0]}") from None
    if list(out.columns) != ["key", "prediction"]:
        raise CandidateError(f"rule '{name}' must return columns (key, prediction); got ({', '.join(out.columns)})")
    if out["key"].duplicated().any():
        raise CandidateError(f"rule '{name}' returned {int(out['key'].duplicated().sum())} duplicate keys")
    series = out.set_index("key")["prediction"].astype(float)
    missing = holdout.index.difference(series.index)
    if len(missing):
        raise CandidateError(f"rule '{name}' returned no prediction for {len(missing)} keys (e.g. {missing[0]!r})")
    return series
