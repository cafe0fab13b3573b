"""Is a SQL rule ever costed above a tree or boosted model that does more work per row?

For each config, runs the real CLI (``bakeoff run CONFIG --out DIR``) and reads every OK
candidate's projected ``$/month`` from results.json. As the independent reference it then
fits each candidate (single-threaded, in this process, the faster of two runs) on the
training rows repeated to about half of and all of ``--ref-rows`` rows and predicts as many
holdout rows, and bills those CPU seconds (SQL rules: their queries' seconds alone, as the
product does) to the config's production sizes in two ways: **linearly** (every second at the
full size taken as per-row, an upper bound) and as **per-row work alone** (the slope between
the two sizes; a SQL rule's grid of queries has a fixed part that the linear figure bills
per row). The time-boxed tuner is left out of the reference (its fit time is set by its box).

Prints, per config: each candidate's costed and reference $/month, and every pair (SQL
rule, tree or boosted model) where the rule is costed above the model although the model
does more per-row work (the issue's criterion). Goal: no such pair.

Usage: ``python benchmarks/cost_truth.py [CONFIG ...]`` (default: breast_cancer and the three
CDNOW configs), ``--ref-rows N`` (default 150,000).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

DEFAULT = [Path("experiments/breast_cancer.toml")] + [Path(f"experiments/cdnow/{t}.toml")
                                                       for t in ("active", "purchases", "spend")]
HEAVY = ("tree", "xgboost")  # families whose per-row work is expected to exceed a rule's


def costed(config: Path, out: Path) -> dict:
    """results.json of one ``bakeoff run`` of ``config``."""
    proc = subprocess.run([sys.executable, "-m", "bakeoff.cli", "run", str(config), "--quiet", "--out", str(out),
                           "--db", str(out / "h.duckdb")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads((out / "results.json").read_text())


def reference(config: Path, names: set[str], ref_rows: int) -> tuple[dict[str, float], dict[str, float]]:
    """Reference $/month of each named candidate: linear billing at ``ref_rows``, and its per-row work alone.

    Returns two maps: ``linear`` (all seconds at about ``ref_rows`` rows billed per row) and
    ``per_row`` (the slope between half and all of ``ref_rows``, fit and predict, billed at the
    production sizes: the per-row work the issue's criterion speaks of, without any fixed part).
    """
    from bakeoff import prepare
    from bakeoff.candidates.registry import resolve_ladder
    from bakeoff.config.experiment import load_experiment

    exp = load_experiment(config)
    frame, _ = prepare(exp)
    cost = exp.cost
    per_second = cost.usd_per_cpu_hour / 3600.0
    rows_prod = cost.rows_in_production or len(frame.train)
    linear, per_row = {}, {}
    for spec in resolve_ladder(exp):
        if spec.name not in names or spec.cls().fills_box:
            continue
        (n_half, fit_half, m_half, pred_half), (n, fit_s, m, pred_s) = (
            timed(spec, frame, ref_rows // 2), timed(spec, frame, ref_rows))
        linear[spec.name] = per_second * (cost.retrains_per_month * fit_s * rows_prod / n
                                          + cost.predictions_per_month * pred_s / m)
        fit_slope = max(0.0, (fit_s - fit_half) / max(n - n_half, 1))
        pred_slope = max(0.0, (pred_s - pred_half) / max(m - m_half, 1))
        per_row[spec.name] = per_second * (cost.retrains_per_month * fit_slope * rows_prod
                                           + cost.predictions_per_month * pred_slope)
        print(f"    reference {spec.name:22s} fit {fit_half:7.3f}s / {fit_s:7.3f}s on {n_half:,} / {n:,} rows, "
              f"predict {pred_half:7.4f}s / {pred_s:7.4f}s on {m_half:,} / {m:,} rows", flush=True)
    return linear, per_row


def timed(spec, frame, ref_rows: int) -> tuple[int, float, int, float]:
    """Billed fit and predict seconds of a fresh instance on the data repeated to about ``ref_rows`` rows.

    Single-threaded, in this process; SQL rules are billed their queries' seconds alone, as the
    product bills them. The fastest of two runs of each, like timeit.
    """
    from threadpoolctl import threadpool_limits

    from bakeoff.candidates.contract import Budget
    from bakeoff.core.measure import Stopwatch
    from bakeoff.cost.probe import repeated, with_rows

    k_fit = max(1, round(ref_rows / len(frame.train)))
    k_pred = max(1, round(ref_rows / len(frame.holdout)))
    train = with_rows(frame, "train", repeated(frame.train, k_fit),
                      None if frame.train_time is None else np.tile(frame.train_time, k_fit))
    big = with_rows(train, "holdout", repeated(frame.holdout, k_pred))
    fits, preds = [], []
    with threadpool_limits(1):
        for _ in range(2):
            cand = spec.build()
            with Stopwatch() as fit:
                cand.fit(train, budget=Budget.of(3600, 1), seed=0)
            fits.append(getattr(cand, "fit_query_s_", fit.cpu))
            before = getattr(cand, "query_s_", 0.0)
            with Stopwatch() as pred:
                cand.predict(big)
            preds.append(getattr(cand, "query_s_", 0.0) - before if spec.cls().in_warehouse else pred.cpu)
    return len(train.train), min(fits), len(big.holdout), min(preds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("configs", nargs="*", type=Path, default=DEFAULT)
    ap.add_argument("--ref-rows", type=int, default=150_000)
    args = ap.parse_args()
    total = 0
    for config in args.configs:
        with tempfile.TemporaryDirectory() as tmp:
            res = costed(config, Path(tmp))
        rows = {c["name"]: c for c in res["candidates"] if c["status"] == "OK"}
        print(f"{config}:")
        ref, work = reference(config, set(rows), args.ref_rows)
        for name, c in rows.items():
            r = ref.get(name)
            print(f"  {name:22s} {c['family']:8s} costed ${c['cost']['monthly_usd']:.3g}/month, reference "
                  + (f"${r:.3g}/month (per-row work alone ${work[name]:.3g})" if r is not None
                     else "(left out: time-boxed)"))
        rules = [n for n, c in rows.items() if c["family"] == "sql"]
        heavy = [n for n, c in rows.items() if c["family"] in HEAVY]
        bad = [(s, m) for s in rules for m in heavy
               if rows[s]["cost"]["monthly_usd"] > rows[m]["cost"]["monthly_usd"]
               and (m not in work or work[m] > work[s])]
        total += len(bad)
        print("  SQL rule costed above a tree/boosted model with more per-row work: "
              + (", ".join(f"{s} > {m}" for s, m in bad) or "none"))
    print(f"all configs: {total} such pair(s); goal 0")


if __name__ == "__main__":
    main()
