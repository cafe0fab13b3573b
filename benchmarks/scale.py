"""Scale benchmark: bucketed vs single-query summaries, Pareto/NBD on millions of customers, Ray overhead.

Run: ``python benchmarks/scale.py [--sizes 1e7 1e8] [--buckets 8] [--fit 1e6 1e7] [--ray]``.
Each summary runs in its own process so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bakeoff.candidate import Budget
from baselines import btyd_math as bm
from baselines.btyd import STARTS, fit_multistart

CACHE = Path(tempfile.gettempdir()) / "bakeoff-bench"
SUMMARY = r"""
import datetime as dt, json, resource, sys, time
from bakeoff.customers import customer_table
from bakeoff.data import connect
from bakeoff.frame import run_sql_file
path, buckets, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3]
con = connect(limit if limit != "none" else None, sys.argv[4])
t = time.perf_counter()
con.execute(f"CREATE TEMP VIEW transactions AS SELECT CAST(customer_id AS VARCHAR) AS entity, date AS ts, amount "
            f"FROM read_parquet('{path}')")
run_sql_file(con, "transactions")
n = len(customer_table(con, dt.date(1997, 9, 30), dt.date(1998, 6, 30), buckets))
print(json.dumps({"s": time.perf_counter() - t, "customers": n,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_log(n: int) -> Path:
    """A Parquet log of ``n`` transactions (5 per customer on average), generated in DuckDB and cached."""
    import duckdb

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"tx_{n}.parquet"
    if not path.is_file():
        con = duckdb.connect()
        con.execute("SELECT setseed(0.42)")
        con.execute(f"""COPY (SELECT (hash(i * 7919) % {max(n // 5, 1)})::BIGINT AS customer_id,
                              DATE '1997-01-01' + CAST(floor(random() * 546) AS INTEGER) AS date,
                              round(random() * 100 + 1, 2) AS amount
                       FROM range({n}) t(i)) TO '{path}' (FORMAT parquet)""")
    return path


def summary(path: Path, buckets: int, limit: str) -> dict:
    with tempfile.TemporaryDirectory() as spill:
        out = subprocess.run([sys.executable, "-c", SUMMARY, str(path), str(buckets), limit, spill],
                             capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def summaries_direct(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T) in weeks for ``n`` customers drawn from a Pareto/NBD process (r=2, a=8, s=0.6, b=12)."""
    rng = np.random.default_rng(seed)
    lam, mu = rng.gamma(2.0, 1 / 8.0, n), rng.gamma(0.6, 1 / 12.0, n)
    T = (272 - rng.integers(0, 90, n)) / 7.0
    alive = np.minimum(rng.exponential(1 / mu), T)
    x = rng.poisson(lam * alive).astype(float)
    t_x = np.where(x > 0, np.floor(alive * rng.random(n) ** (1 / np.maximum(x, 1)) * 7) / 7, 0.0)
    return x, t_x, T


def fit(n: int, round_weeks: bool) -> tuple[float, int, np.ndarray]:
    x, t_x, T = summaries_direct(n)
    if round_weeks:
        T, t_x = np.round(T), np.minimum(np.round(t_x), np.round(T))
    keys, w = np.unique(np.stack([x, t_x, T], axis=1), axis=0, return_counts=True)
    t = time.perf_counter()
    lik = bm.ParetoLikelihood(keys[:, 0], keys[:, 1], keys[:, 2], w.astype(float))
    params, _, _ = fit_multistart(lambda p: -lik.total(p) / n, STARTS[:2], ("r", "alpha", "s", "beta"),
                                  Budget.of(3600))
    return time.perf_counter() - t, len(w), params


def ray_overhead(repeats: int = 30) -> None:
    import ray

    t = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    start = time.perf_counter() - t
    noop = ray.remote(max_retries=0)(lambda: 0)
    ray.get(noop.remote())
    walls = []
    for _ in range(repeats):
        t = time.perf_counter()
        ray.get(noop.remote())
        walls.append(time.perf_counter() - t)
    ref = ray.remote(max_retries=0)(lambda: time.sleep(60)).remote()
    ray.wait([ref], timeout=0.5)
    t = time.perf_counter()
    ray.cancel(ref, force=True)
    try:
        ray.get(ref)
    except Exception:  # the cancellation is the point
        pass
    print(f"ray: init {start:.1f}s; per task median {1000 * statistics.median(walls):.1f} ms over {repeats}; "
          f"cancel of a running task {1000 * (time.perf_counter() - t):.0f} ms")
    ray.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=float, nargs="*", default=[1e7, 1e8])
    ap.add_argument("--buckets", type=int, default=8)
    ap.add_argument("--memory-limit", default="none", help='DuckDB memory_limit for the runs, e.g. "4GB"')
    ap.add_argument("--fit", type=float, nargs="*", default=[1e6, 1e7])
    ap.add_argument("--ray", action="store_true")
    args = ap.parse_args()
    print("== customer summaries (features as of calibration end + holdout targets) ==")
    per_row = None
    for n in map(int, args.sizes):
        path = make_log(n)
        one = summary(path, 1, args.memory_limit)
        many = summary(path, args.buckets, args.memory_limit)
        per_row = one["s"] / n
        print(f"{n:>13,} transactions {one['customers']:>11,} customers | single query {one['s']:7.1f}s "
              f"peak {one['peak_mb']:7.0f} MB | {args.buckets} buckets {many['s']:7.1f}s peak "
              f"{many['peak_mb']:7.0f} MB", flush=True)
    if per_row:
        print(f"extrapolated single-machine time for 1B transactions (linear in rows): {per_row * 1e9 / 60:.0f} min")
    print("== Pareto/NBD fit on weighted triples (2 starts) ==")
    for n in map(int, args.fit):
        for rnd in (False, True):
            s, k, p = fit(n, rnd)
            print(f"{n:>12,} customers {'weeks rounded' if rnd else 'exact (days/7)':>15}: {k:>9,} triples "
                  f"{s:6.2f}s  r, alpha, s, beta = {', '.join(f'{v:.4g}' for v in p)}", flush=True)
    if args.ray:
        ray_overhead()


if __name__ == "__main__":
    main()
