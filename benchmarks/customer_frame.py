"""Customer frame benchmark: DuckDB SQL vs lifetimes' utilities, and Pareto/NBD fit times.

Run: ``python benchmarks/customer_frame.py [--sizes 1e6 1e7] [--lifetimes-max 1e7] [--fit 1e5 1e6]``.
Prints wall seconds and the ratio lifetimes / DuckDB measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _gen import PARAMS, transactions  # noqa: E402

from bakeoff.candidates.contract import Budget  # noqa: E402
from bakeoff.data.customers import customer_table  # noqa: E402
from bakeoff.data.frame import run_sql_file  # noqa: E402
from bakeoff.data.sources import connect  # noqa: E402
from baselines import btyd_math as bm  # noqa: E402
from baselines.btyd import STARTS, fit_multistart  # noqa: E402

CAL_END, HOLDOUT_END = dt.date(1997, 9, 30), dt.date(1998, 6, 30)


def duckdb_summary(df) -> tuple[float, int]:
    con = connect()
    con.register("df", df)
    t = time.perf_counter()
    con.execute("CREATE TEMP VIEW transactions AS SELECT CAST(customer_id AS VARCHAR) AS entity, "
                "CAST(date AS DATE) AS ts, amount FROM df")
    run_sql_file(con, "transactions")
    table = customer_table(con, CAL_END, HOLDOUT_END)
    took = time.perf_counter() - t
    con.close()
    return took, len(table)


def lifetimes_summary(df) -> tuple[float, int]:
    from lifetimes.utils import calibration_and_holdout_data

    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = calibration_and_holdout_data(df, "customer_id", "date", calibration_period_end="1997-09-30",
                                           observation_period_end="1998-06-30", freq="D",
                                           monetary_value_col="amount")
    return time.perf_counter() - t, len(out)


def per_customer() -> float:
    """Average transactions per customer of the generator."""
    df = transactions(100_000, seed=2)
    return len(df) / df["customer_id"].nunique()


def fit_times(n_customers: int, weighted: bool) -> tuple[float, int, np.ndarray]:
    df = transactions(int(n_customers * per_customer()), seed=1)
    con = connect()
    con.register("df", df)
    con.execute("CREATE TEMP VIEW transactions AS SELECT CAST(customer_id AS VARCHAR) AS entity, "
                "CAST(date AS DATE) AS ts, amount FROM df")
    run_sql_file(con, "transactions")
    h = run_sql_file(con, "customer_features", {"cutoff": CAL_END, "buckets": 1, "bucket": 0})[["x", "t_x", "T"]]
    if weighted:
        g = h.groupby(["x", "t_x", "T"]).size().reset_index(name="w")
    else:
        g = h.assign(w=1)
    x, t_x, T, w = (g[c].to_numpy(float) for c in ("x", "t_x", "T", "w"))
    scale = w.sum()
    t = time.perf_counter()
    lik = bm.ParetoLikelihood(x, t_x, T, w)
    params, _, _ = fit_multistart(lambda p: -lik.total(p) / scale, STARTS[:2], ("r", "alpha", "s", "beta"),
                                  Budget.of(3600))
    return time.perf_counter() - t, len(x), params


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=float, nargs="*", default=[1e6, 1e7])
    ap.add_argument("--lifetimes-max", type=float, default=1e7, help="largest size to run lifetimes on")
    ap.add_argument("--fit", type=float, nargs="*", default=[1e5, 1e6])
    ap.add_argument("--unweighted-max", type=float, default=1e6)
    args = ap.parse_args()
    print("== calibration/holdout summary (RFM + BTYD + targets) ==")
    for n in map(int, args.sizes):
        df = transactions(n)
        d, rows = duckdb_summary(df)
        line = f"{n:>12,} transactions  {rows:>10,} customers  duckdb {d:7.2f}s"
        if n <= args.lifetimes_max:
            lt, _ = lifetimes_summary(df)
            line += f"  lifetimes {lt:8.2f}s  ratio {lt / d:6.1f}x"
        print(line, flush=True)
    print(f"== Pareto/NBD fit (2 starts, robust likelihood; generating parameters {PARAMS}) ==")
    for n in map(int, args.fit):
        tw, k, pw = fit_times(n, weighted=True)
        line = f"{n:>12,} customers  weighted ({k:,} triples) {tw:7.2f}s"
        if n <= args.unweighted_max:
            tu, _, pu = fit_times(n, weighted=False)
            same = np.allclose(pw, pu, rtol=1e-3)
            line += f"  unweighted {tu:8.2f}s  ratio {tu / tw:6.1f}x  same optimum: {same}"
        line += "  fitted " + ", ".join(f"{v:.3g}" for v in pw)
        print(line, flush=True)


if __name__ == "__main__":
    main()
