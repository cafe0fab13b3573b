"""Customer summaries on Apache Spark (``[data] engine = "spark"``).

One source of truth: the DuckDB feature SQL in ``sql/features`` is transpiled to Spark SQL
with sqlglot (parameters inlined as literals, decimal literals as DOUBLE so divisions are
IEEE doubles as in DuckDB, the DuckDB-only bucket predicate dropped: Spark partitions the
work itself). Spark writes each per-customer table as Parquet, which the ladder reads; the
result is the same table as DuckDB's (tested on CDNOW and a generated log).

``[data] master`` picks the cluster: ``local[*]`` (default), ``spark://host:7077``,
``yarn``, or a Spark Connect URL ``sc://host:15002``. PySpark is optional:
``pip install -e ".[spark]"``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from bakeoff.config.experiment import Experiment
from bakeoff.core.errors import BakeoffError, DataError
from bakeoff.data.customers import assemble, entity_expr, finish_table
from bakeoff.data.frame import Frame
from bakeoff.data.framefile import work_folder
from bakeoff.data.sources import require_column
from bakeoff.query.files import read_sql

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([KMGT])i?B$")


def spark_sql(name: str, params: dict[str, Any] | None = None) -> str:
    """The bundled DuckDB file ``sql/features/<name>.sql`` as one Spark SQL SELECT.

    ``$name`` parameters become literals (dates as ``DATE 'YYYY-MM-DD'``); a ``CREATE TABLE
    ... AS SELECT`` becomes its SELECT.
    """
    import sqlglot
    from sqlglot import exp as sx

    params = params or {}
    tree = sqlglot.parse_one(read_sql(f"features/{name}.sql").text, read="duckdb")
    if isinstance(tree, sx.Create):
        tree = tree.expression

    def rewrite(node: sx.Expression) -> sx.Expression:
        if isinstance(node, sx.Placeholder):
            value = params[node.name]
            if isinstance(value, dt.date):
                return sx.cast(sx.Literal.string(value.isoformat()), "DATE")
            return sx.Literal.number(value)
        if isinstance(node, sx.Literal) and node.is_number and "." in node.this:
            return sx.cast(node.copy(), "DOUBLE")  # Spark reads 7.0 as DECIMAL(2,1); DuckDB divides in DOUBLE
        if isinstance(node, sx.EQ) and node.find(sx.Mod):
            return sx.true()  # DuckDB's hash(entity) % $buckets pass: Spark partitions by itself
        return node

    return tree.transform(rewrite).sql(dialect="spark", comments=False)


def session(exp: Experiment) -> Any:
    """The SparkSession for ``[data] master`` (``sc://`` URLs through Spark Connect).

    In local mode ``[data] memory_limit`` becomes the driver JVM's heap; ``[data] spark_conf``
    entries are passed through.

    Raises:
        BakeoffError: If PySpark is not installed.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # PySpark's notice about pandas 3
            from pyspark.sql import SparkSession
    except ImportError:
        raise BakeoffError('[data].engine = "spark" needs PySpark: pip install -e ".[spark]"') from None
    master = exp.data.master
    if master.startswith("sc://"):
        builder = SparkSession.builder.remote(master)
    else:
        builder = (SparkSession.builder.master(master).config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 1))))
        if exp.data.memory_limit and master.startswith("local"):
            builder = builder.config("spark.driver.memory", _jvm_size(exp.data.memory_limit))
        if exp.data.temp_directory:
            builder = builder.config("spark.local.dir", exp.data.temp_directory)
    for key, value in exp.data.spark_conf.items():
        builder = builder.config(key, value)
    spark = builder.appName(f"bakeoff-{exp.name}").getOrCreate()
    if not master.startswith("sc://"):
        spark.sparkContext.setLogLevel("ERROR")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    return spark


def _jvm_size(limit: str) -> str:
    """DuckDB-style ``"8GB"`` / ``"512 MiB"`` as a JVM size (``"8g"``, ``"512m"``)."""
    match = _SIZE.match(limit.strip())
    if not match:
        raise BakeoffError(f"[data].memory_limit: expected a size like \"8GB\"; got {limit!r}.")
    mb = float(match.group(1)) * {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}[match.group(2)]
    return f"{max(int(mb), 64)}m"


def _date_expr(col: str, spark_type: str) -> str:
    if spark_type.startswith(("date", "timestamp")):
        return f"CAST({col} AS DATE)"
    text = f"CAST({col} AS STRING)"
    if spark_type in ("tinyint", "smallint", "int", "bigint"):
        return f"try_to_date({text}, 'yyyyMMdd')"
    return f"coalesce(try_to_date({text}, 'yyyy-MM-dd'), try_to_date({text}, 'yyyyMMdd'))"


class SparkSummaries:
    """:class:`~bakeoff.data.customers.Summaries` on Spark; tables go through Parquet in ``workdir``."""

    def __init__(self, spark: Any, workdir: Path, key_sql: str) -> None:
        self.spark, self.workdir, self.key_sql = spark, workdir, key_sql

    def day_range(self) -> tuple[dt.date, dt.date]:  # see Summaries
        row = self.spark.sql("SELECT min(day), max(day) FROM daily").first()
        return row[0], row[1]

    def count_days(self, start: dt.date, end: dt.date) -> int:
        return int(self.spark.sql(f"SELECT count(*) FROM daily WHERE day > DATE '{start}' "
                                  f"AND day <= DATE '{end}'").first()[0])

    def table(self, cutoff: dt.date, end: dt.date) -> pd.DataFrame:
        feats = self.spark.sql(spark_sql("customer_features", {"cutoff": cutoff, "buckets": 1, "bucket": 0}))
        targets = self.spark.sql(spark_sql("customer_targets",
                                           {"start": cutoff, "end": end, "buckets": 1, "bucket": 0}))
        path = self.workdir / f"customers_{cutoff}_{end}.parquet"
        feats.join(targets, "entity", "left").write.mode("overwrite").parquet(str(path))
        joined = pd.read_parquet(path)
        return finish_table(joined[[c for c in joined.columns if c not in ("purchases", "active", "spend")]],
                            joined[["entity", "purchases", "active", "spend"]])

    def growth(self, cutoff: dt.date, end: dt.date) -> pd.DataFrame:
        """See :meth:`~bakeoff.data.customers.Summaries.growth`."""
        path = self.workdir / f"growth_{cutoff}_{end}.parquet"
        self.spark.sql(spark_sql("label_growth", {"cutoff": cutoff, "end": end})).write.mode("overwrite").parquet(
            str(path))
        return pd.read_parquet(path).sort_values("lag").reset_index(drop=True)

    def segments(self, columns: tuple[str, ...], index: pd.Index) -> pd.DataFrame:
        cols = ", ".join(f"min(`{s}`) AS `{s}`" for s in columns)
        path = self.workdir / "segments.parquet"
        self.spark.sql(f"SELECT {self.key_sql} AS entity, {cols} FROM data GROUP BY 1").write.parquet(str(path))
        return pd.read_parquet(path).set_index("entity").reindex(index)


def build_spark_frame(exp: Experiment) -> tuple[Frame, str]:
    """Load the transaction log into Spark, summarise it there and build the frame.

    Returns:
        The frame and a description of where the data came from.

    Raises:
        DataError: If the data cannot be read or does not fit the problem.
    """
    spark = session(exp)
    workdir = work_folder(Path(exp.data.temp_directory) if exp.data.temp_directory else None)
    try:
        origin = _load(exp, spark, workdir)
        key_sql = _transactions(exp, spark, origin)
        daily = spark.sql(spark_sql("transactions"))
        daily.persist()
        daily.createOrReplaceTempView("daily")
        try:
            return assemble(exp, SparkSummaries(spark, workdir, key_sql), origin), origin
        finally:
            daily.unpersist()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _load(exp: Experiment, spark: Any, workdir: Path) -> str:
    """Register view ``data``: Parquet read by Spark itself; anything else loaded by DuckDB into Parquet first.

    CSV goes through DuckDB too, so both engines see the same column types.
    """
    spec = exp.data
    path = Path(spec.source) if spec.source else None
    if path is not None and not path.is_absolute():
        path = exp.base_dir / path
    if path is not None and path.name.lower().endswith(".parquet"):
        if not path.exists():
            raise DataError(f"[data].source: file '{path}' does not exist.")
        origin, parquet = str(path), path
    else:
        from bakeoff.data.sources import connect, load_data

        con = connect(spec.memory_limit, spec.temp_directory)
        try:
            origin = load_data(exp, con)
            parquet = workdir / "data.parquet"
            con.execute(f"COPY data TO '{parquet}' (FORMAT parquet)")
        finally:
            con.close()
    try:
        spark.read.parquet(str(parquet)).createOrReplaceTempView("data")
    except Exception as exc:  # Spark's errors are Java exceptions; one line is enough
        raise DataError(f"[data].source '{origin}': Spark could not read it: "
                        f"{str(exc).strip().splitlines()[0][:300]}") from None
    if spark.sql("SELECT 1 FROM data LIMIT 1").count() == 0:
        raise DataError(f"{origin}: the data has no rows; expected at least one.")
    return origin


def _transactions(exp: Experiment, spark: Any, origin: str) -> str:
    """View ``transactions(entity, ts, amount)`` over ``data``, checked as in DuckDB; returns the key SQL."""
    p = exp.problem
    cols = {f.name: f.dataType.simpleString() for f in spark.table("data").schema.fields}
    for name, field in ((p.entity, "[problem].entity"), (p.time, "[problem].time"), (p.amount, "[problem].amount")):
        if name or field != "[problem].amount":
            require_column(cols, name or "", field, origin)
    key = entity_expr(f"`{p.entity}`", cols[p.entity or ""]).replace("VARCHAR", "STRING")
    amount = f"CAST(`{p.amount}` AS DOUBLE)" if p.amount else "CAST(NULL AS DOUBLE)"
    spark.sql(f"SELECT {key} AS entity, {_date_expr(f'`{p.time}`', cols[p.time or ''])} AS ts, "
              f"{amount} AS amount, `{p.time}` AS raw_ts FROM data").createOrReplaceTempView("transactions")
    bad = spark.sql("SELECT count(*), min(CAST(raw_ts AS STRING)) FROM transactions "
                    "WHERE ts IS NULL AND raw_ts IS NOT NULL").first()
    if bad[0]:
        raise DataError(f"{origin}: {bad[0]} values of time column '{p.time}' are not dates "
                        f"(e.g. {bad[1]!r}); expected YYYY-MM-DD or YYYYMMDD.")
    if p.target == "spend" and p.amount:
        n_bad = spark.sql("SELECT count(*) FROM transactions WHERE amount < 0 OR amount IS NULL").first()[0]
        if n_bad:
            raise DataError(f"{origin}: amount column '{p.amount}' has {n_bad} negative or missing values; "
                            "spend needs amounts >= 0 (zero-amount purchases are kept).")
    return key
