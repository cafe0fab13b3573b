"""Time-box benchmark: isolation overhead, total-box overrun, framework overhead.

Run: ``python benchmarks/timebox.py [--repeats 30]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bakeoff.config import experiment_from_dict
from bakeoff.executor import run_isolated
from bakeoff.registry import Spec
from bakeoff.row import Status
from bakeoff.runner import climb, prepare

RAW = {"data": {"builtin": "breast_cancer"}, "problem": {"kind": "binary", "target": "benign", "key": "row_id"},
       "score": {"bootstrap": 0}}


def noop() -> int:
    return 0


def isolation(repeats: int) -> None:
    t = time.perf_counter()
    run_isolated(noop, (), 60)
    first = time.perf_counter() - t
    walls = []
    for _ in range(repeats):
        t = time.perf_counter()
        run_isolated(noop, (), 60)
        walls.append(time.perf_counter() - t)
    print(f"isolation: forkserver start (once per run, preloads pandas/sklearn/xgboost/statsmodels) {first:.2f}s;"
          f" per call median {1000 * statistics.median(walls):.1f} ms, p90 "
          f"{1000 * sorted(walls)[int(0.9 * len(walls))]:.1f} ms over {repeats}")


def candidate_turn(frame, repeats: int) -> None:  # noqa: ANN001
    exp = experiment_from_dict({**RAW, "timebox": {"total": "10m", "per_candidate": "60s"}})
    over = []
    for _ in range(repeats):
        t = time.perf_counter()
        row = climb(exp, frame, [Spec("mean", "baselines.naive:Mean")], lambda *_: None)[0]
        over.append(time.perf_counter() - t - row["fit_s"] - row["predict_s"])
    print(f"candidate turn overhead (frame hand-off, fork, result pipe; Mean candidate): median "
          f"{1000 * statistics.median(over):.1f} ms over {repeats}")


def overrun(frame, runs: int, box: float) -> None:  # noqa: ANN001
    exp = experiment_from_dict({**RAW, "timebox": {"total": f"{box}s", "per_candidate": f"{box}s"}})
    specs = [Spec("loop", "bakeoff.testing:Hang", {"mode": "python"}), Spec("blas", "bakeoff.testing:Hang",
                                                                            {"mode": "c"})]
    worst = []
    for i in range(runs):
        t = time.perf_counter()
        rows = climb(exp, frame, [specs[i % 2], Spec("mean", "baselines.naive:Mean")], lambda *_: None)
        worst.append(time.perf_counter() - t - box)
        assert rows[0].status is Status.TIMEOUT
    print(f"total box {box:g}s with a hanging candidate: overrun max {1000 * max(worst):.0f} ms, median "
          f"{1000 * statistics.median(worst):.0f} ms over {runs} runs (python loop and BLAS loop alternating)")


def framework(frame) -> None:  # noqa: ANN001
    exp = experiment_from_dict({**RAW, "timebox": {"total": "10m", "per_candidate": "60s"}})
    from bakeoff.registry import LADDER

    specs = [Spec(n, *LADDER[n]) for n in ("mean", "glm", "decision_tree", "xgboost", "hist_gbm")]
    specs.insert(1, Spec("sql_buckets", "baselines.sql_rules:SqlRule",
                         {"file": "rules/quantile_buckets.sql", "feature": "worst_radius"}))
    t = time.perf_counter()
    rows = climb(exp, frame, specs, lambda *_: None)
    wall = time.perf_counter() - t
    inner = sum((r.fit_s or 0.0) + (r.predict_s or 0.0) for r in rows if r.ok)
    print(f"framework overhead: {len(rows)} fast candidates, total wall {wall:.2f}s vs sum of fit+predict "
          f"{inner:.2f}s: ratio {wall / inner:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--overrun-runs", type=int, default=6)
    args = ap.parse_args()
    frame, _ = prepare(experiment_from_dict(RAW))
    isolation(args.repeats)
    candidate_turn(frame, args.repeats)
    overrun(frame, args.overrun_runs, 2.0)
    framework(frame)


if __name__ == "__main__":
    main()
