"""Load the experiment's data into DuckDB and check it against the problem.

Everything goes through one DuckDB connection: CSV, Parquet, a table in a
DuckDB file, a SQL query, or a bundled dataset. The loaded rows live in the
table ``data`` of that connection.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from bakeoff.config.experiment import Experiment
from bakeoff.core.errors import DataError, did_you_mean


def connect(memory_limit: str | None = None, temp_directory: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection; ``memory_limit`` and ``temp_directory`` bound what it holds and spills."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET enable_progress_bar = false")  # keeps stdout clean for the CLI and pipes
    except duckdb.Error:
        pass  # inside Jupyter DuckDB refuses to touch the bar without ipywidgets; it is off there anyway
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")  # validated: digits and a unit
    if temp_directory:
        con.execute(f"SET temp_directory = '{temp_directory.replace(chr(39), chr(39) * 2)}'")
    return con


def load_data(exp: Experiment, con: duckdb.DuckDBPyConnection) -> str:
    """Create table ``data`` in ``con`` from the experiment's ``[data]`` section.

    Returns:
        A short description of where the data came from (for the report).

    Raises:
        DataError: If the file, table or query cannot be read, or yields no rows.
    """
    spec = exp.data
    if spec.builtin:
        origin = f"builtin:{spec.builtin}"
        _load_builtin(spec.builtin, con)
    elif spec.source:
        path = _resolve(exp, spec.source)
        origin = str(path)
        _load_file(path, con, _csv_options(exp))
    elif spec.table:
        db = _resolve(exp, spec.database or "")
        origin = f"{db}:{spec.table}"
        _load_table(db, spec.table, con)
    else:
        origin = "query"
        _run(con, f"CREATE TABLE data AS {spec.query}", "[data].query")
    n = con.execute("SELECT count(*) FROM data").fetchone()[0]
    if n == 0:
        raise DataError(f"{origin}: the data has no rows; expected at least one.")
    return origin


def _resolve(exp: Experiment, rel: str) -> Path:
    path = Path(rel)
    return path if path.is_absolute() else (exp.base_dir / path)


def _run(con: duckdb.DuckDBPyConnection, sql: str, where: str, params: list | None = None) -> None:
    try:
        con.execute(sql, params or [])
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise DataError(f"{where}: DuckDB could not read it: {first}") from None


# DuckDB's sniffer, less BOOLEAN: a yes/no or true/false column stays text in the file's spelling, and
# the frame reads it as a two-level column (bakeoff.data.coltypes), whatever rung uses it.
CSV_TYPES = ("BIGINT", "DOUBLE", "TIME", "DATE", "TIMESTAMP", "TIMESTAMPTZ", "VARCHAR")


def _csv_options(exp: Experiment) -> str:
    """read_csv options from ``[data]``: delimiter, decimal separator, date format; no BOOLEAN sniffing."""
    spec, opts = exp.data, ["header = true", f"auto_type_candidates = [{', '.join(map(_lit, CSV_TYPES))}]"]
    if spec.delimiter:
        opts.append(f"delim = {_lit(spec.delimiter)}")
    if spec.decimal:
        opts.append(f"decimal_separator = {_lit(spec.decimal)}")
    if spec.date_format:
        opts += [f"dateformat = {_lit(spec.date_format)}", f"timestampformat = {_lit(spec.date_format)}"]
    return ", ".join(opts)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_part(exp: Experiment, con: duckdb.DuckDBPyConnection, name: str, *, source: str | None = None,
              table: str | None = None, field: str = "[data]") -> str:
    """Create table ``name`` in ``con`` from a file (``source``) or a table of ``[data].database``.

    Used for a separate holdout file or table. Returns where the rows came from.
    """
    if source:
        path = _resolve(exp, source)
        _load_file(path, con, _csv_options(exp), name, field=f"{field}.file")
        origin = str(path)
    else:
        if not exp.data.database:
            raise DataError(f"{field}.table needs [data].database (the .duckdb file holding table '{table}').")
        db = _resolve(exp, exp.data.database)
        _load_table(db, str(table), con, name, field=f"{field}.table")
        origin = f"{db}:{table}"
    n = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
    if n == 0:
        raise DataError(f"{origin}: {field} names rows that are empty; expected at least one row.")
    return origin


def _load_file(path: Path, con: duckdb.DuckDBPyConnection, csv_options: str = "header = true", name: str = "data",
               field: str = "[data].source") -> None:
    if not path.is_file():
        raise DataError(f"{field}: file '{path}' does not exist.")
    suffix = "".join(path.suffixes[-2:]).lower()
    if suffix.endswith(".parquet"):
        reader = "read_parquet(?)"
    elif suffix.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        reader = f"read_csv(?, {csv_options})"
    else:
        raise DataError(f"{field}: '{path.name}' must be a .csv, .csv.gz, .tsv or .parquet file.")
    if reader.startswith("read_parquet"):  # a view: DuckDB reads the columnar file where a query needs it
        literal = str(path).replace("'", "''")
        _run(con, f"CREATE VIEW \"{name}\" AS SELECT * FROM read_parquet('{literal}')", f"{field} '{path}'")
        return
    _run(con, f'CREATE TABLE "{name}" AS SELECT * FROM {reader}', f"{field} '{path}'", [str(path)])
    if reader.startswith("read_csv") and name == "data":
        from bakeoff.data.csvcheck import check_csv_text

        check_csv_text(con, path, csv_options)


def _load_table(db: Path, table: str, con: duckdb.DuckDBPyConnection, name: str = "data",
                field: str = "[data].table") -> None:
    if not db.is_file():
        raise DataError(f"[data].database: file '{db}' does not exist.")
    _run(con, "ATTACH ? AS src (READ_ONLY)", f"[data].database '{db}'", [str(db)])
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'src'").fetchall()]
    if table not in tables:
        con.execute("DETACH src")
        raise DataError(f"{field}: '{db.name}' has no table '{table}'.{did_you_mean(table, tables)}")
    _run(con, f'CREATE TABLE "{name}" AS SELECT * FROM src."{table}"', f"{field} '{table}'")
    con.execute("DETACH src")


def _cdnow(con: duckdb.DuckDBPyConnection, file: str) -> None:
    path = resources.files("lifetimes") / "datasets" / file
    text_col = "column0"
    with resources.as_file(path) as local:
        con.execute(
            "CREATE TEMP TABLE cdnow_raw AS SELECT * FROM read_csv(?, header = false, delim = '\\t', "
            "columns = {'column0': 'VARCHAR'})", [str(local)])
    parts = f"regexp_split_to_array(trim({text_col}), '\\s+')"
    sample = file == "CDNOW_sample.txt"
    ident = f"{parts}[2]" if sample else f"{parts}[1]"
    offset = 1 if sample else 0
    con.execute(f"""
        CREATE TABLE data AS
        SELECT {ident} AS customer_id,
               strptime({parts}[{2 + offset}], '%Y%m%d')::DATE AS date,
               CAST({parts}[{3 + offset}] AS INTEGER) AS cds,
               CAST({parts}[{4 + offset}] AS DOUBLE) AS amount
        FROM cdnow_raw WHERE trim({text_col}) <> '' AND NOT starts_with(trim({text_col}), 'customer')
    """)
    con.execute("DROP TABLE cdnow_raw")


def _sklearn(loader: str, target: str) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def load(con: duckdb.DuckDBPyConnection) -> None:
        from sklearn import datasets

        bunch = getattr(datasets, loader)(as_frame=True)
        frame = bunch.frame.rename(columns=lambda c: str(c).replace(" ", "_"))
        frame = frame.rename(columns={"target": target})
        frame.insert(0, "row_id", range(len(frame)))
        con.register("sk_frame", frame)
        con.execute("CREATE TABLE data AS SELECT * FROM sk_frame")
        con.unregister("sk_frame")
    return load


BUILTINS: dict[str, Callable[[duckdb.DuckDBPyConnection], None]] = {
    "cdnow_sample": lambda con: _cdnow(con, "CDNOW_sample.txt"),
    "cdnow_master": lambda con: _cdnow(con, "CDNOW_master.txt"),
    "breast_cancer": _sklearn("load_breast_cancer", "benign"),
    "diabetes": _sklearn("load_diabetes", "progression"),
}


def _load_builtin(name: str, con: duckdb.DuckDBPyConnection) -> None:
    if name not in BUILTINS:
        raise DataError(
            f"[data].builtin: unknown dataset '{name}'; expected one of {', '.join(BUILTINS)}."
            f"{did_you_mean(name, BUILTINS)}")
    BUILTINS[name](con)


def columns(con: duckdb.DuckDBPyConnection, table: str = "data") -> dict[str, str]:
    """Column name -> DuckDB type of ``table``."""
    rows = con.execute(f'DESCRIBE "{table}"').fetchall()
    return {r[0]: r[1] for r in rows}


def require_column(cols: dict[str, str], name: str, field: str, origin: str) -> None:
    """Raise :class:`DataError` naming ``field`` if column ``name`` is absent."""
    if name not in cols:
        raise DataError(
            f"{origin}: {field} names column '{name}', which the data does not have."
            f"{did_you_mean(name, cols)} Columns: {', '.join(list(cols)[:12])}"
            f"{', ...' if len(cols) > 12 else ''}.")


def data_hash(df: pd.DataFrame) -> str:
    """A short content hash of a frame (for the reproducibility footer)."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(df, index=True).values.tobytes())
    return digest.hexdigest()[:16]
