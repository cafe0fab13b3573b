"""Is a SQL rule ever costed above a tree or boosted model that does more work per row?

For each config, runs the real CLI (``bakeoff run CONFIG --out DIR``) and reads every OK
candidate's projected ``$/month`` from results.json. As the independent reference it then
fits each candidate (single-threaded, in this process) on the training rows repeated to
about ``REF_ROWS`` rows and predicts as many holdout rows, and bills those CPU seconds
(SQL rules: their queries' seconds alone, as the product does) **linearly** to the config's
production sizes: at that size per-row work dominates, so the reference needs no split into
fixed and per-row parts. The time-boxed tuner is left out of the reference (its fit time is
set by its box).

Prints, per config: each candidate's costed and reference $/month, and every pair (SQL
rule, tree or boosted model) where the rule is costed above the model although the
reference bills the model more. Goal: no such pair.

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


def reference(config: Path, names: set[str], ref_rows: int) -> dict[str, float]:
    """Reference $/month of each named candidate from CPU seconds at about ``ref_rows`` rows."""
    from threadpoolctl import threadpool_limits

    from bakeoff.candidate import Budget
    from bakeoff.config import load_experiment
    from bakeoff.measure import Stopwatch
    from bakeoff.probe import repeated, with_rows
    from bakeoff.registry import resolve_ladder
    from bakeoff.runner import prepare

    exp = load_experiment(config)
    frame, _ = prepare(exp)
    cost = exp.cost
    k_fit = max(1, round(ref_rows / len(frame.train)))
    k_pred = max(1, round(ref_rows / len(frame.holdout)))
    train = with_rows(frame, "train", repeated(frame.train, k_fit),
                      None if frame.train_time is None else np.tile(frame.train_time, k_fit))
    big = with_rows(train, "holdout", repeated(frame.holdout, k_pred))
    per_second = cost.usd_per_cpu_hour / 3600.0
    out = {}
    with threadpool_limits(1):
        for spec in resolve_ladder(exp):
            cls = spec.cls()
            if spec.name not in names or cls.fills_box:
                continue
            cand = spec.build()
            with Stopwatch() as fit:
                cand.fit(train, budget=Budget.of(3600, 1), seed=0)
            fit_s = getattr(cand, "fit_query_s_", fit.cpu)
            before = getattr(cand, "query_s_", 0.0)
            with Stopwatch() as pred:
                cand.predict(big)
            pred_s = getattr(cand, "query_s_", 0.0) - before if cls.in_warehouse else pred.cpu
            train_s = fit_s * (cost.rows_in_production or len(frame.train)) / len(train.train)
            month_s = cost.retrains_per_month * train_s + cost.predictions_per_month * pred_s / len(big.holdout)
            out[spec.name] = month_s * per_second
            print(f"    reference {spec.name:22s} fit {fit_s:7.3f}s on {len(train.train):,} rows, predict "
                  f"{pred_s:7.4f}s on {len(big.holdout):,} rows", flush=True)
    return out


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
        ref = reference(config, set(rows), args.ref_rows)
        for name, c in rows.items():
            r = ref.get(name)
            print(f"  {name:22s} {c['family']:8s} costed ${c['cost']['monthly_usd']:.3g}/month, reference "
                  + (f"${r:.3g}/month" if r is not None else "(left out: time-boxed)"))
        rules = [n for n, c in rows.items() if c["family"] == "sql"]
        heavy = [n for n, c in rows.items() if c["family"] in HEAVY]
        bad = [(s, m) for s in rules for m in heavy
               if rows[s]["cost"]["monthly_usd"] > rows[m]["cost"]["monthly_usd"]
               and (m not in ref or ref[m] > ref[s])]
        total += len(bad)
        print("  SQL rule costed above a tree/boosted model that the reference bills more: "
              + (", ".join(f"{s} > {m}" for s, m in bad) or "none"))
    print(f"all configs: {total} such pair(s); goal 0")


if __name__ == "__main__":
    main()
