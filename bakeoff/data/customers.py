"""Customer-base frames: a transaction log -> calibration/holdout summaries in DuckDB SQL.

Same-day purchases are merged; time is in weeks (days / 7). Nothing after
``calibration_end`` reaches a feature. The training target comes from a label
window that ends at ``calibration_end`` (never from the holdout calendar); how
candidates trained on it are aligned to the holdout horizon is estimated from the
same calibration data (:mod:`bakeoff.data.horizon`, ``sql/features/label_growth.sql``).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import duckdb
import pandas as pd

from bakeoff.config.experiment import Experiment
from bakeoff.core.errors import DataError
from bakeoff.data.frame import TASK_OF_CUSTOMER_TARGET, Frame, Problem, check_frame, run_sql_file
from bakeoff.data.horizon import estimate
from bakeoff.data.sources import columns, require_column

INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "BYTE", "SHORT", "INT", "LONG")  # DuckDB and Spark names of integer types


def prepare_transactions(exp: Experiment, con: duckdb.DuckDBPyConnection, origin: str) -> str:
    """Create view ``transactions(entity, ts, amount)`` and table ``daily`` from table ``data``.

    Returns:
        The SQL expression of the entity key over ``data`` (integer keys stay integers).
    """
    p = exp.problem
    cols = columns(con)
    require_column(cols, p.entity or "", "[problem].entity", origin)
    require_column(cols, p.time or "", "[problem].time", origin)
    if p.amount:
        require_column(cols, p.amount, "[problem].amount", origin)
    ts = _date_expr(f'"{p.time}"', cols[p.time or ""], exp.data.date_format)
    amount = f'TRY_CAST("{p.amount}" AS DOUBLE)' if p.amount else "CAST(NULL AS DOUBLE)"
    key = entity_expr(f'"{p.entity}"', cols[p.entity or ""])
    con.execute(f"CREATE OR REPLACE TEMP VIEW transactions AS SELECT {key} AS entity, "
                f"{ts} AS ts, {amount} AS amount, \"{p.time}\" AS raw_ts FROM data")
    bad = con.execute("SELECT count(*), any_value(raw_ts) FROM transactions "
                      "WHERE ts IS NULL AND raw_ts IS NOT NULL").fetchone()
    if bad[0]:
        expected = f"the [data] date_format {exp.data.date_format!r}" if exp.data.date_format else \
            "YYYY-MM-DD or YYYYMMDD (set [data] date_format, e.g. \"%d/%m/%Y\", for other layouts)"
        raise DataError(f"{origin}: {bad[0]} values of time column '{p.time}' are not dates "
                        f"(e.g. {bad[1]!r}); expected {expected}.")
    if p.amount:
        _check_amounts(con, p.amount, origin)
    if p.target == "spend" and p.amount:
        n_bad = con.execute("SELECT count(*) FROM transactions WHERE amount < 0 OR amount IS NULL").fetchone()[0]
        if n_bad:
            raise DataError(f"{origin}: amount column '{p.amount}' has {n_bad} negative or missing values; "
                            "spend needs amounts >= 0 (zero-amount purchases are kept).")
    if p.acquired:
        _check_acquired(con, p.acquired, key, cols, origin)
    run_sql_file(con, "transactions")
    return key


def _check_acquired(con: duckdb.DuckDBPyConnection, acquired: str, key: str, cols: dict[str, str],
                    origin: str) -> None:
    """Refuse transactions dated before the entity's recorded first purchase (``[problem].acquired``)."""
    require_column(cols, acquired, "[problem].acquired", origin)
    first = _date_expr(f'"{acquired}"', cols[acquired])
    n, example = con.execute(f"""
        SELECT count(*), any_value(t.entity) FROM transactions t
        JOIN (SELECT {key} AS entity, min({first}) AS first_day FROM data GROUP BY 1) a
          ON a.entity = t.entity
        WHERE t.ts < a.first_day""").fetchone()
    if n:
        raise DataError(f"{origin}: {n} transactions are dated before their entity's first purchase in column "
                        f"'{acquired}' (e.g. entity {example!r}); fix the export or drop [problem].acquired.")


def _check_amounts(con: duckdb.DuckDBPyConnection, amount: str, origin: str) -> None:
    n, example = con.execute(f'SELECT count(*), any_value(CAST("{amount}" AS VARCHAR)) FROM data '
                             f'WHERE "{amount}" IS NOT NULL AND TRY_CAST("{amount}" AS DOUBLE) IS NULL').fetchone()
    if n:
        hint = ' (a decimal comma? set [data] decimal = ",")' if "," in str(example) else ""
        raise DataError(f"{origin}: amount column '{amount}' has {n} values that are not numbers "
                        f"(e.g. {example!r}){hint}.")


def _date_expr(col: str, duck_type: str, fmt: str | None = None) -> str:
    if duck_type.startswith(("DATE", "TIMESTAMP")):
        return f"CAST({col} AS DATE)"
    text = f"CAST({col} AS VARCHAR)"
    if fmt:
        return f"try_strptime({text}, '{fmt.replace(chr(39), chr(39) * 2)}')::DATE"
    if duck_type in ("INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "UINTEGER"):
        return f"try_strptime({text}, '%Y%m%d')::DATE"
    return f"coalesce(TRY_CAST({text} AS DATE), try_strptime({text}, '%Y%m%d')::DATE)"


def entity_expr(col: str, sql_type: str) -> str:
    """The entity key as SQL: integer keys stay BIGINT (8 bytes, no strings), anything else VARCHAR."""
    if sql_type.upper() in INTEGER_TYPES:
        return f"CAST({col} AS BIGINT)"
    return f"CAST({col} AS VARCHAR)"


class Summaries(Protocol):
    """An engine that computes per-customer summaries from table ``daily`` (DuckDB or Spark)."""

    def day_range(self) -> tuple[dt.date, dt.date]:
        """First and last purchase day in the log."""
        ...

    def count_days(self, start: dt.date, end: dt.date) -> int:
        """Customer-days with a purchase in ``(start, end]``."""
        ...

    def table(self, cutoff: dt.date, end: dt.date) -> pd.DataFrame:
        """Features as of ``cutoff`` joined with targets over ``(cutoff, end]``; indexed by entity."""
        ...

    def segments(self, columns: tuple[str, ...], index: pd.Index) -> pd.DataFrame:
        """One value per entity of each segment column, aligned with ``index``."""
        ...

    def growth(self, cutoff: dt.date, end: dt.date) -> pd.DataFrame:
        """``label_growth.sql``: the label window ``(cutoff, end]`` day by day, for the horizon alignment."""
        ...


def windows(exp: Experiment, day_range: tuple[dt.date, dt.date], origin: str) -> tuple[dt.date, dt.date, float]:
    """Return (training cut-off, holdout end, label-window days), checked against the data range."""
    p = exp.problem
    assert p.calibration_end is not None
    first, last = day_range
    horizon = p.horizon_days
    cal_end = p.calibration_end
    if not first <= cal_end < last:
        raise DataError(f"{origin}: [problem].calibration_end {cal_end} is outside the data range "
                        f"{first}..{last}; expected a day with data on both sides.")
    holdout_end = _holdout_end(exp, cal_end + dt.timedelta(days=round(horizon)), last, origin)
    span = (cal_end - first).days
    label = p.label_window / 86400.0 if p.label_window else (horizon if span >= 2 * horizon else span // 2)
    if label < 1 or label >= span:
        raise DataError(f"{origin}: the label window ({label:g} days) must be shorter than the "
                        f"{span} days of calibration data before {cal_end}.")
    return cal_end - dt.timedelta(days=round(label)), holdout_end, float(round(label))


def _holdout_end(exp: Experiment, end: dt.date, last: dt.date, origin: str) -> dt.date:
    """The holdout end, refused when it runs past the data (unless ``[problem].partial_holdout``)."""
    if end <= last:
        return end
    if exp.problem.partial_holdout:
        return last
    over = (end - last).days
    field = "holdout_end" if exp.problem.holdout_end else "horizon"
    weeks = (last - (exp.problem.calibration_end or last)).days / 7.0
    raise DataError(f"{origin}: the holdout window ends {end} but the last transaction is on {last} "
                    f"({over} days, {over / 7:.1f} weeks, earlier); customers would look inactive for that stretch. "
                    f"Set [problem].{field} to end by {last} (at most {weeks:.0f}w after calibration_end), "
                    "or partial_holdout = true to score the shorter window (stated in the report).")


def date_ranges(exp: Experiment, first: dt.date, last: dt.date, t0: dt.date, end: dt.date) -> str:
    """One sentence echoing the dates used: data, features, label window, holdout."""
    cal = exp.problem.calibration_end
    text = (f"Data {first}..{last}; features as of {cal} from {first}..{cal}; holdout window {cal}..{end} "
            f"({(end - cal).days / 7:.1f} weeks); ML rungs train on features as of {t0} with labels from "
            f"{t0}..{cal}.")
    if exp.problem.partial_holdout and exp.problem.horizon_days > (end - cal).days:
        text += (f" The configured {exp.problem.horizon_days / 7:.1f}-week horizon runs past the data; "
                 "partial_holdout = true scores the shorter window.")
    return text


def finish_table(feats: pd.DataFrame, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Join features and targets (customers without purchases in the window get 0), as float columns.

    Both engines end here, so their tables have the same columns, order and dtypes.
    """
    out = feats.set_index("entity")
    if targets is not None:
        out = out.join(targets.set_index("entity"), how="left")
    for col, fill in (("purchases", 0), ("active", 0), ("spend", 0.0)):
        out[col] = out[col].fillna(fill)
    return out.astype("float64").sort_index()


class DuckSummaries:
    """:class:`Summaries` in the DuckDB connection that holds ``daily``, in ``buckets`` passes."""

    def __init__(self, con: duckdb.DuckDBPyConnection, buckets: int, key_sql: str) -> None:
        self.con, self.buckets, self.key_sql = con, buckets, key_sql

    def day_range(self) -> tuple[dt.date, dt.date]:  # see Summaries
        first, last = self.con.execute("SELECT min(day), max(day) FROM daily").fetchone()
        return first, last

    def count_days(self, start: dt.date, end: dt.date) -> int:
        return self.con.execute("SELECT count(*) FROM daily WHERE day > ? AND day <= ?", [start, end]).fetchone()[0]

    def table(self, cutoff: dt.date, end: dt.date) -> pd.DataFrame:
        return customer_table(self.con, cutoff, end, self.buckets)

    def growth(self, cutoff: dt.date, end: dt.date) -> pd.DataFrame:
        """See :meth:`Summaries.growth`."""
        return run_sql_file(self.con, "label_growth", {"cutoff": cutoff, "end": end})

    def segments(self, columns: tuple[str, ...], index: pd.Index) -> pd.DataFrame:
        cols = ", ".join(f'min("{s}") AS "{s}"' for s in columns)
        seg = self.con.execute(f"SELECT {self.key_sql} AS entity, {cols} FROM data GROUP BY 1").df()
        return seg.set_index("entity").reindex(index)


def customer_table(con: duckdb.DuckDBPyConnection, cutoff: dt.date, end: dt.date, buckets: int = 1) -> pd.DataFrame:
    """Features as of ``cutoff`` joined with targets over ``(cutoff, end]``; indexed by entity.

    With ``buckets`` > 1 the same SQL runs once per ``hash(entity) % buckets`` bucket and the
    parts are concatenated: each query holds one bucket's customers, so peak memory drops
    while the result is identical (every customer lives in exactly one bucket).
    """
    parts = [_bucket_table(con, cutoff, end, buckets, b) for b in range(buckets)]
    return (pd.concat(parts) if len(parts) > 1 else parts[0]).sort_index()


def _bucket_table(con: duckdb.DuckDBPyConnection, cutoff: dt.date, end: dt.date, buckets: int,
                  bucket: int) -> pd.DataFrame:
    where = {"buckets": buckets, "bucket": bucket}
    feats = run_sql_file(con, "customer_features", {"cutoff": cutoff, **where})
    targets = run_sql_file(con, "customer_targets", {"start": cutoff, "end": end, **where})
    return finish_table(feats, targets)


def build_customer_frame(exp: Experiment, con: duckdb.DuckDBPyConnection, origin: str) -> Frame:
    """Build the customer-base frame from table ``data`` in DuckDB (see module docstring)."""
    key_sql = prepare_transactions(exp, con, origin)
    return assemble(exp, DuckSummaries(con, exp.data.buckets, key_sql), origin)


def assemble(exp: Experiment, engine: Summaries, origin: str) -> Frame:
    """The frame from an engine's summaries: windows checked, train and holdout tables, segments."""
    p = exp.problem
    t0, holdout_end, label_days = windows(exp, engine.day_range(), origin)
    assert p.calibration_end is not None
    if engine.count_days(p.calibration_end, holdout_end) == 0:
        raise DataError(f"{origin}: the holdout window ({p.calibration_end}, {holdout_end}] has no transactions.")
    train = engine.table(t0, p.calibration_end)
    holdout = engine.table(p.calibration_end, holdout_end)
    targets = ["purchases", "active", "spend"]
    features = tuple(c for c in holdout.columns if c not in targets and holdout[c].notna().any())
    first, last = engine.day_range()
    window_days = (holdout_end - p.calibration_end).days
    horizon_weeks = p.horizon_days / 7.0 if window_days >= round(p.horizon_days) else window_days / 7.0
    problem = Problem(kind="customer_base", task=TASK_OF_CUSTOMER_TARGET[p.target], target=p.target,
                      key="entity", horizon_weeks=horizon_weeks, label_weeks=label_days / 7.0,
                      dates=date_ranges(exp, first, last, t0, holdout_end),
                      calibration_end=p.calibration_end)
    seg = engine.segments(p.segments, holdout.index) if p.segments else None
    alignment = estimate(engine.growth(t0, p.calibration_end), train, holdout["T"].to_numpy(float),
                         target=p.target, label_days=label_days, horizon_days=p.horizon_days)
    frame = Frame(problem, train[[*features, p.target]], holdout[list(features)], features,
                  holdout[p.target], seg, alignment=alignment)
    check_frame(frame, origin)
    return frame
