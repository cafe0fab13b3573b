"""Scale benchmark: customer summaries on DuckDB (with and without a memory limit) and Spark local,
the whole bake-off through the real CLI, and an extrapolation to a cluster.

Run: ``python benchmarks/scale.py [--sizes 1e6 1e7 1e8] [--memory-limit 2GB] [--spark] [--bakeoff 10m]
[--bakeoff-only] [--per-candidate 2m] [--train-sample N] [--keep DIR] [--fit 1e6]``. The log is a
generated Pareto/NBD customer base (:func:`make_log`). Each measurement runs in its own process
tree; peak memory is the largest sum of RSS over every process of that tree (sampled every 0.2 s),
so Spark's JVM and the candidates' workers count. Timings on a shared machine are noisy: repeat with ``--repeat``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bakeoff.candidates.contract import Budget
from baselines import btyd_math as bm
from baselines.btyd import STARTS, fit_multistart

CACHE = Path(tempfile.gettempdir()) / "bakeoff-bench"
CAL_END, HOLDOUT_END = "1997-09-30", "1998-06-30"
CORES = os.cpu_count() or 1
SUMMARY = r"""
import json, sys, time, tomllib
from bakeoff.config.experiment import experiment_from_dict
from bakeoff import prepare
exp = experiment_from_dict(tomllib.loads(open(sys.argv[1]).read()))
out = {}
if exp.data.engine == "spark":
    from bakeoff.data.spark import session
    t = time.perf_counter()
    spark = session(exp)
    out["startup_s"] = time.perf_counter() - t
    src = spark.read.parquet(exp.data.source)
    src.write.format("noop").mode("overwrite").save()  # warm-up: the first job pays for class loading
    t = time.perf_counter()
    src.write.format("noop").mode("overwrite").save()
    scan = time.perf_counter() - t
    t = time.perf_counter()
    parts = spark.sparkContext.defaultParallelism * 2
    src.repartition(parts, "customer_id").write.format("noop").mode("overwrite").save()
    out["shuffle_s"] = time.perf_counter() - t - scan
    t = time.perf_counter()
    prepare(exp)
    out["cold_s"] = time.perf_counter() - t
t = time.perf_counter()
frame, _ = prepare(exp)
print(json.dumps({**out, "s": time.perf_counter() - t, "customers": len(frame.holdout)}))
"""


def make_log(n: int) -> Path:
    """A Parquet log of exactly ``n`` transactions from a Pareto/NBD customer base, generated and cached.

    Customers arrive uniformly over the 39-week calibration period; each buys at a rate
    lambda ~ Gamma(r=2, 1/alpha=1/8) per week while alive and dies at a rate mu ~ Gamma(s=0.6,
    1/beta=1/12) (the process of :func:`summaries_direct`), over the 78 weeks of the log; a
    purchase's amount is Gamma(4, m/4) around the customer's mean m ~ Gamma(2, 15) (dollars,
    rounded to cents). Heterogeneous rates and dropout, as in a real customer base: a log of
    identical Poisson buyers without dropout (the generator before) leaves the BTYD models'
    heterogeneity parameters unidentified. Written in chunks of customers (bounded memory at
    1e8), each chunk sorted by date.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"pnbd_{n}.parquet"
    if path.is_file():
        return path
    rng, days, cal, written, first = np.random.default_rng(42), 546, 273, 0, 0
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, pa.schema([("customer_id", pa.int64()), ("date", pa.date32()),
                                          ("amount", pa.float64())])) as out:
        while written < n:
            counts, birth, end, mean = _customers(rng, 1_000_000, days, cal)
            counts = counts[: np.searchsorted(np.cumsum(counts), n - written) + 1]
            counts[-1] -= max(int(counts.sum()) - (n - written), 0)
            k = len(counts)
            cust = np.repeat(np.arange(first, first + k, dtype=np.int64), counts)
            lo, hi = np.repeat(birth[:k], counts), np.repeat(end[:k], counts)
            starts = np.r_[0, np.cumsum(counts)[:-1]]
            day = lo + np.floor(rng.random(len(cust)) * (hi - lo)).astype(np.int64)
            day[starts] = birth[:k]  # each customer's first purchase is the day they arrive
            amount = np.round(rng.gamma(4.0, np.repeat(mean[:k], counts) / 4.0) + 0.01, 2)
            order = np.argsort(day, kind="stable")
            dates = (np.datetime64("1997-01-01") + day[order].astype("timedelta64[D]")).astype("datetime64[D]")
            out.write_table(pa.table({"customer_id": cust[order], "date": pa.array(dates, pa.date32()),
                                      "amount": amount[order]}))
            written, first = written + int(counts.sum()), first + k
    tmp.rename(path)
    return path


def _customers(rng: np.random.Generator, k: int, days: int,
               cal: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``k`` Pareto/NBD customers: transactions each (>= 1), arrival day, last day alive (exclusive), mean spend."""
    lam, mu = rng.gamma(2.0, 1 / 8.0, k), rng.gamma(0.6, 1 / 12.0, k)
    birth = rng.integers(0, cal, k)
    alive_days = np.minimum(rng.exponential(1 / mu) * 7.0, days - birth)
    repeats = rng.poisson(lam * alive_days / 7.0)
    return 1 + repeats, birth, birth + np.maximum(alive_days, 1.0), rng.gamma(2.0, 15.0, k)


def config(path: Path, folder: Path, *, engine: str = "duckdb", limit: str | None = None,
           box: str = "10m", per_candidate: str | None = None, train_sample: int | None = None) -> Path:
    """An experiment file for the log: repeat purchases over a 39-week horizon (defaults elsewhere)."""
    data = [f'source = "{path}"', f'engine = "{engine}"', f'temp_directory = "{folder / "spill"}"']
    data += [f'memory_limit = "{limit}"'] if limit else []
    text = "\n".join([
        '[experiment]\nname = "scale"\nseed = 0', "[data]", *data,
        '[problem]\nkind = "customer_base"\ntarget = "purchases"\nentity = "customer_id"\ntime = "date"',
        f'amount = "amount"\ncalibration_end = "{CAL_END}"\nhorizon = "39w"',
        f'[timebox]\ntotal = "{box}"' + (f'\nper_candidate = "{per_candidate}"' if per_candidate else ""),
        *([f"[ladder]\ntrain_sample = {train_sample}"] if train_sample is not None else [])])
    out = folder / f"{engine}-{limit or 'nolimit'}.toml"
    out.write_text(text + "\n")
    return out


def tree_peak(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, float, str]:
    """Run ``cmd``; return (wall s, peak MB of the root process, peak MB of all its processes, stdout)."""
    import psutil

    start = time.perf_counter()
    env = {**os.environ, "BAKEOFF_CACHE_DIR": tempfile.mkdtemp(prefix="bakeoff-bench-cache-")}  # a first run
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=cwd, env=env)
    root, peak_root, peak_all = psutil.Process(proc.pid), 0.0, 0.0
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
            rss = [p.memory_info().rss for p in procs]
            peak_root, peak_all = max(peak_root, rss[0]), max(peak_all, sum(rss))
        except psutil.Error:
            pass
        time.sleep(0.2)
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd[:3])} exited with {proc.returncode}")
    return time.perf_counter() - start, peak_root / 2**20, peak_all / 2**20, out


def summary(cfg: Path, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        wall, _, peak, out = tree_peak([sys.executable, "-c", SUMMARY, str(cfg)])
        runs.append({**json.loads(out.strip().splitlines()[-1]), "wall": wall, "peak_mb": peak})
    best = min(runs, key=lambda r: r["s"])
    return {**best, "s_median": statistics.median(r["s"] for r in runs)}


def summaries(n: int, args: argparse.Namespace, folder: Path) -> dict[str, dict]:
    path = make_log(n)
    engines = [("duckdb", None), ("duckdb", args.memory_limit)] + ([("spark", None)] if args.spark else [])
    out = {}
    for engine, limit in engines:
        label = f"{engine}{' ' + limit if limit else ''}"
        r = summary(config(path, folder, engine=engine, limit=limit), args.repeat)
        out[label] = r
        extra = (f" | JVM start {r['startup_s']:.1f}s, first (cold) run {r['cold_s']:.1f}s, shuffle of the raw "
                 f"log {r['shuffle_s']:.1f}s" if "startup_s" in r else "")
        print(f"{n:>13,} tx {r['customers']:>11,} customers | {label:<14} {r['s']:8.1f}s "
              f"(median {r['s_median']:.1f}s) | {n / r['s'] / CORES:>10,.0f} rows/s/core | "
              f"peak {r['peak_mb']:7.0f} MB (all processes){extra}", flush=True)
    return out


def bakeoff(n: int, box: str, limit: str | None, folder: Path, per_candidate: str | None = None,
            train_sample: int | None = None) -> None:
    cfg = config(make_log(n), folder, limit=limit, box=box, per_candidate=per_candidate, train_sample=train_sample)
    sample = train_sample if train_sample is not None else "default"
    print(f"    config: [timebox] total = {box!r}, per_candidate = {per_candidate or 'default'!r}; "
          f"[ladder] train_sample = {sample}; [data] memory_limit = {limit!r}", flush=True)
    cli = str(Path(sys.executable).with_name("bakeoff"))
    wall, root, peak, _ = tree_peak([cli, "run", str(cfg), "--quiet", "--out", str(folder / f"run{n}"),
                                     "--db", str(folder / "history.duckdb")])
    res = json.loads((folder / f"run{n}" / "results.json").read_text())
    status = ", ".join(f"{c['name']} {c['status']}" for c in res["candidates"])
    print(f"{n:>13,} tx bake-off, box {box}: process wall {wall:.1f}s (results.json wall_s {res['wall_s']:.1f}s, "
          f"reserve {res.get('reserve_s', float('nan')):.1f}s) | driver peak {root:.0f} MB | all processes "
          f"{peak:.0f} MB\n    {status}", flush=True)
    for c in res["candidates"]:
        params = c.get("params") or {}
        if "trials_complete" in params:
            print(f"    {c['name']}: {params['trials_complete']} trials complete, {params.get('trials_timeout', 0)} "
                  f"timed out, stopped by {params.get('stopped_by')}, on {c.get('train_rows')} training rows, "
                  f"box {c.get('box_s', float('nan')):.0f}s, fit {c.get('fit_s', float('nan')):.0f}s",
                  flush=True)
        if c["status"] not in ("OK",) and c.get("applicable", True):
            print(f"    {c['name']} {c['status']}: {c.get('message', '')[:300]}", flush=True)


def extrapolate(n: int, measured: dict[str, dict]) -> None:
    """Cores for 1 TB of Parquet transactions in 5 minutes, linear in rows (an extrapolation)."""
    size = make_log(n).stat().st_size
    rows_tb = 1e12 / (size / n)
    print(f"== extrapolation (linear in rows; {size / n:.1f} bytes per transaction in Parquet: "
          f"1 TB = {rows_tb:.3g} transactions) ==")
    for label, r in measured.items():
        per_core = n / r["s"] / CORES
        cores = rows_tb / (per_core * 300)
        print(f"  {label:<14} {per_core:>10,.0f} rows/s/core -> {cores:>9,.0f} cores "
              f"({cores / 16:,.0f} 16-core nodes) for 1 TB in 5 min", flush=True)
        if "shuffle_s" in r:
            share = max(r["shuffle_s"], 0.0) / r["s"]
            print(f"  {'':<14} Spark's shuffle of the raw log by customer: {r['shuffle_s']:.1f}s locally ({share:.0%} "
                  "of a warm summary); on a cluster that part is bound by the network, not by cores, and is "
                  "only as linear as the network is", flush=True)


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=float, nargs="*", default=[1e6, 1e7])
    ap.add_argument("--memory-limit", default="2GB", help='DuckDB memory_limit for the limited runs')
    ap.add_argument("--spark", action="store_true", help="also Spark local[*]")
    ap.add_argument("--bakeoff", default=None, help='also the whole bake-off with this box, e.g. "10m"')
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--fit", type=float, nargs="*", default=[])
    ap.add_argument("--keep", type=Path, default=None, help="keep the bake-off's run folder under this folder")
    ap.add_argument("--bakeoff-only", action="store_true", help="skip the summary timings")
    ap.add_argument("--per-candidate", default=None, help="[timebox] per_candidate of the bake-off (default: unset)")
    ap.add_argument("--train-sample", type=int, default=None, help="[ladder] train_sample (default: the default)")
    args = ap.parse_args()
    print(f"== customer summaries (features as of calibration end + holdout targets); {CORES} cores ==")
    with tempfile.TemporaryDirectory() as tmp:
        measured: dict[str, dict] = {}
        for n in map(int, args.sizes):
            measured = {} if args.bakeoff_only else summaries(n, args, Path(tmp))
            if args.bakeoff:
                folder = args.keep / f"tx{n}" if args.keep else Path(tmp)
                folder.mkdir(parents=True, exist_ok=True)
                bakeoff(n, args.bakeoff, args.memory_limit, folder, args.per_candidate, args.train_sample)
        if measured:
            extrapolate(int(args.sizes[-1]), measured)
    for n in map(int, args.fit):
        for rnd in (False, True):
            s, k, p = fit(n, rnd)
            print(f"{n:>12,} customers {'weeks rounded' if rnd else 'exact (days/7)':>15}: {k:>9,} triples "
                  f"{s:6.2f}s  r, alpha, s, beta = {', '.join(f'{v:.4g}' for v in p)}", flush=True)


if __name__ == "__main__":
    main()
