"""Customer-base frames: a transaction log -> calibration/holdout summaries in DuckDB SQL.

Same-day purchases are merged; time is in weeks (days / 7). Nothing after
``calibration_end`` reaches a feature. The training target comes from a label
window that ends at ``calibration_end`` (never from the holdout calendar).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from bakeoff.config import Experiment
from bakeoff.data import columns, require_column
from bakeoff.errors import DataError
from bakeoff.frame import TASK_OF_CUSTOMER_TARGET, Frame, Problem, check_frame, run_sql_file

BTYD_COLUMNS = ("x", "t_x", "T", "monetary_value")


def prepare_transactions(exp: Experiment, con: duckdb.DuckDBPyConnection, origin: str) -> None:
    """Create view ``transactions(entity, ts, amount)`` and table ``daily`` from table ``data``."""
    p = exp.problem
    cols = columns(con)
    require_column(cols, p.entity or "", "[problem].entity", origin)
    require_column(cols, p.time or "", "[problem].time", origin)
    if p.amount:
        require_column(cols, p.amount, "[problem].amount", origin)
    ts = _date_expr(f'"{p.time}"', cols[p.time or ""], exp.data.date_format)
    amount = f'TRY_CAST("{p.amount}" AS DOUBLE)' if p.amount else "CAST(NULL AS DOUBLE)"
    con.execute(f'CREATE OR REPLACE TEMP VIEW transactions AS SELECT CAST("{p.entity}" AS VARCHAR) AS entity, '
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
        _check_acquired(con, p.acquired, p.entity or "", cols, origin)
    run_sql_file(con, "transactions")


def _check_acquired(con: duckdb.DuckDBPyConnection, acquired: str, entity: str, cols: dict[str, str],
                    origin: str) -> None:
    """Refuse transactions dated before the entity's recorded first purchase (``[problem].acquired``)."""
    require_column(cols, acquired, "[problem].acquired", origin)
    first = _date_expr(f'"{acquired}"', cols[acquired])
    n, example = con.execute(f"""
        SELECT count(*), any_value(t.entity) FROM transactions t
        JOIN (SELECT CAST("{entity}" AS VARCHAR) AS entity, min({first}) AS first_day FROM data GROUP BY 1) a
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


def windows(exp: Experiment, con: duckdb.DuckDBPyConnection, origin: str) -> tuple[dt.date, dt.date, float]:
    """Return (training cut-off, holdout end, label-window days), checked against the data range."""
    p = exp.problem
    assert p.calibration_end is not None
    first, last = con.execute("SELECT min(day), max(day) FROM daily").fetchone()
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
    feats = run_sql_file(con, "customer_features", {"cutoff": cutoff, **where}).set_index("entity")
    targets = run_sql_file(con, "customer_targets", {"start": cutoff, "end": end, **where}).set_index("entity")
    out = feats.join(targets, how="left")
    for col, fill in (("purchases", 0), ("active", 0), ("spend", 0.0)):
        out[col] = out[col].fillna(fill).astype(float)
    return out


def build_customer_frame(exp: Experiment, con: duckdb.DuckDBPyConnection, origin: str) -> Frame:
    """Build the customer-base frame (see module docstring)."""
    p = exp.problem
    prepare_transactions(exp, con, origin)
    t0, holdout_end, label_days = windows(exp, con, origin)
    assert p.calibration_end is not None
    n_holdout = con.execute("SELECT count(*) FROM daily WHERE day > ? AND day <= ?",
                            [p.calibration_end, holdout_end]).fetchone()[0]
    if n_holdout == 0:
        raise DataError(f"{origin}: the holdout window ({p.calibration_end}, {holdout_end}] has no transactions.")
    if exp.executor.engine == "ray" and exp.data.buckets > 1:
        train, holdout = _ray_buckets(exp, t0, holdout_end)
    else:
        train = customer_table(con, t0, p.calibration_end, exp.data.buckets)
        holdout = customer_table(con, p.calibration_end, holdout_end, exp.data.buckets)
    targets = ["purchases", "active", "spend"]
    features = tuple(c for c in holdout.columns if c not in targets and holdout[c].notna().any())
    first, last = con.execute("SELECT min(day), max(day) FROM daily").fetchone()
    window_days = (holdout_end - p.calibration_end).days
    horizon_weeks = p.horizon_days / 7.0 if window_days >= round(p.horizon_days) else window_days / 7.0
    problem = Problem(kind="customer_base", task=TASK_OF_CUSTOMER_TARGET[p.target], target=p.target,
                      key="entity", horizon_weeks=horizon_weeks, label_weeks=label_days / 7.0,
                      dates=date_ranges(exp, first, last, t0, holdout_end),
                      calibration_end=p.calibration_end)
    seg = _segments(exp, con, holdout.index) if p.segments else None
    frame = Frame(problem, train[[*features, p.target]], holdout[list(features)], features,
                  holdout[p.target], seg)
    check_frame(frame, origin)
    return frame


def _segments(exp: Experiment, con: duckdb.DuckDBPyConnection, index: pd.Index) -> pd.DataFrame:
    cols = ", ".join(f'any_value("{s}") AS "{s}"' for s in exp.problem.segments)
    seg = con.execute(f'SELECT CAST("{exp.problem.entity}" AS VARCHAR) AS entity, {cols} FROM data GROUP BY 1').df()
    return seg.set_index("entity").reindex(index)


def bucket_part(exp: Experiment, t0: dt.date, holdout_end: dt.date, bucket: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One bucket's training and holdout tables, computed from the data source in a fresh connection."""
    from bakeoff.data import connect, load_data

    con = connect(exp.data.memory_limit, exp.data.temp_directory)
    try:
        origin = load_data(exp, con)
        prepare_transactions(exp, con, origin)
        assert exp.problem.calibration_end is not None
        cal_end, k = exp.problem.calibration_end, exp.data.buckets
        return (_bucket_table(con, t0, cal_end, k, bucket), _bucket_table(con, cal_end, holdout_end, k, bucket))
    finally:
        con.close()


def _ray_buckets(exp: Experiment, t0: dt.date, holdout_end: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bucket passes as Ray tasks (each reads the source itself), merged here; global steps run after."""
    import ray

    if not ray.is_initialized():
        ray.init(address=exp.executor.address, num_cpus=exp.executor.num_cpus, include_dashboard=False,
                 log_to_driver=False, ignore_reinit_error=True)
    task = ray.remote(max_retries=1)(bucket_part)
    parts = ray.get([task.remote(exp, t0, holdout_end, b) for b in range(exp.data.buckets)])
    train = pd.concat([p[0] for p in parts]).sort_index()
    holdout = pd.concat([p[1] for p in parts]).sort_index()
    return train, holdout
