"""The bake-off's best against FLAML AutoML at equal wall budget, on public data shipped with installed packages.

Each dataset is written to a Parquet file and an experiment points at it; ``bakeoff.run``
climbs the whole ladder under ``[timebox] total = budget`` (the per-candidate box is the same,
so ``xgboost_tuned`` gets what the lower rungs leave). FLAML gets ``time_budget = budget`` and
exactly the bake-off's training rows (the frame ``bakeoff.prepare`` builds from the same
experiment), tuned on the bake-off's primary metric; both are scored on the same holdout with
the same metric code. Both sides get the same cores: the bake-off runs ``[executor] workers``
processes at a time (default: the machine's cores) and FLAML gets ``n_jobs`` equal to it. They
run back to back.

Also prints ``xgboost`` vs ``xgboost_tuned`` on validation (the default's CV score is trial 0 of
the tuned rung, on the same folds) and the tuned rung's trial counts for growing boxes.

Run: ``pip install -e ".[peers]" && python benchmarks/peers.py [--budget 120] [--boxes 30 60 120]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bakeoff import prepare, run
from bakeoff.candidates.metrics import METRICS
from bakeoff.climb.ladder import workers_of
from bakeoff.config.experiment import experiment_from_dict


@dataclass(frozen=True)
class Dataset:
    """A public dataset as a bake-off problem."""

    name: str
    kind: str
    target: str
    load: Callable[[], pd.DataFrame]
    source: str


def _sklearn(loader: str, target: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        from sklearn import datasets

        df = getattr(datasets, loader)(as_frame=True).frame
        return df.rename(columns=lambda c: str(c).replace(" ", "_")).rename(columns={"target": target})
    return load


def _fair() -> pd.DataFrame:
    import statsmodels.api as sm

    df = sm.datasets.fair.load_pandas().data
    return df.assign(had_affair=(df.pop("affairs") > 0).astype(int))


def _randhie() -> pd.DataFrame:
    import statsmodels.api as sm

    return sm.datasets.randhie.load_pandas().data.astype({"mdvis": int})


DATASETS = {d.name: d for d in (
    Dataset("breast_cancer", "binary", "benign", _sklearn("load_breast_cancer", "benign"),
            "scikit-learn load_breast_cancer (569 rows)"),
    Dataset("fair", "binary", "had_affair", _fair, "statsmodels fair, affairs > 0 (6,366 rows)"),
    Dataset("diabetes", "regression", "progression", _sklearn("load_diabetes", "progression"),
            "scikit-learn load_diabetes (442 rows)"),
    Dataset("randhie", "count", "mdvis", _randhie, "statsmodels randhie, doctor visits (20,190 rows)"),
    Dataset("randhie_rmse", "regression", "mdvis", _randhie, "statsmodels randhie as a regression (RMSE)"),
)}


def experiment(ds: Dataset, folder: Path, budget: float, include: list[str] | None = None) -> Any:
    """The experiment for ``ds``: its data in a Parquet file, a seeded 25% random holdout."""
    path = folder / f"{ds.name}.parquet"
    if not path.exists():
        df = ds.load()
        df.insert(0, "row_id", np.arange(len(df)))
        df.to_parquet(path)
    raw = {"experiment": {"name": f"peers_{ds.name}", "seed": 0}, "data": {"source": str(path)},
           "problem": {"kind": ds.kind, "target": ds.target, "key": "row_id",
                       "split": {"method": "random", "holdout": 0.25, "stratify": ds.kind == "binary"}},
           "score": {"bootstrap": 200}, "timebox": {"total": f"{budget}s", "per_candidate": f"{budget}s"}}
    if include:
        raw["ladder"] = {"include": include}
    return experiment_from_dict(raw)


def _row(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


def bakeoff_side(exp: Any) -> dict[str, Any]:
    """Run the bake-off; the best holdout score, which candidate it was, and the tuned rung's figures."""
    start = time.monotonic()
    res = run(exp, write=False, history=None)
    wall = time.monotonic() - start
    metric = METRICS[res.primary]
    ok = [r for r in res.rows if _row(r, "status") == "OK"]
    best = max(ok, key=lambda r: metric(res.holdout_y, res.predictions[_row(r, "name")]) * (
        1 if metric.higher_is_better else -1))
    rows = {_row(r, "name"): r for r in res.rows}
    tuned = _row(rows.get("xgboost_tuned", {}), "params") or {}
    score = {n: metric(res.holdout_y, p) for n, p in res.predictions.items()}
    return {"score": score[_row(best, "name")], "best": _row(best, "name"), "wall": wall, "primary": res.primary,
            "tuned_score": score.get("xgboost_tuned"), "xgboost_score": score.get("xgboost"), "tuned": tuned}


def flaml_side(exp: Any, budget: float, primary: str) -> dict[str, Any]:
    """FLAML AutoML on the bake-off's training rows, tuned on the primary metric, scored on its holdout."""
    from flaml import AutoML

    frame, _ = prepare(exp)
    X, y = frame.train[list(frame.features)], frame.y_train.to_numpy(float)
    task = "classification" if frame.problem.task == "binary" else "regression"
    metric: Any = {"roc_auc": "roc_auc", "rmse": "rmse"}.get(primary) or _custom(primary)
    automl = AutoML()
    start = time.monotonic()
    automl.fit(X, y.astype(int) if task == "classification" else y, task=task, metric=metric, time_budget=budget,
               seed=0, n_jobs=workers_of(exp.executor.workers, exp.executor.engine), verbose=0)
    wall = time.monotonic() - start
    Xh = frame.holdout[list(frame.features)]
    pred = automl.predict_proba(Xh)[:, 1] if task == "classification" else automl.predict(Xh)
    return {"score": METRICS[primary](frame.holdout_y.to_numpy(float), np.asarray(pred, float)), "wall": wall,
            "best": automl.best_estimator}


def _custom(primary: str) -> Callable[..., tuple[float, dict[str, float]]]:
    """A FLAML custom metric (lower is better) from the bake-off's metric code."""
    fn = METRICS[primary]
    sign = -1.0 if fn.higher_is_better else 1.0

    def loss(X_val: Any, y_val: Any, estimator: Any, *args: Any, **kwargs: Any) -> tuple[float, dict[str, float]]:
        value = fn(np.asarray(y_val, float), np.asarray(estimator.predict(X_val), float))
        return sign * value, {primary: value}
    return loss


def compare(names: list[str], budget: float, folder: Path) -> None:
    """The table: each side's holdout score and wall time, the gap, and the validation check."""
    cores = workers_of(None, "local")
    print(f"\n== bake-off best vs FLAML, {budget:g} s each, {cores} cores each (bake-off workers, FLAML n_jobs);"
          " same train/holdout rows, same metric code ==")
    print(f"{'dataset':14} {'metric':17} {'bake-off':>9} {'best rung':15} {'wall s':>7} {'FLAML':>9} "
          f"{'estimator':11} {'wall s':>7} {'gap':>8}  goal  | xgb CV   tuned CV  trials  tuned holdout")
    for name in names:
        ds = DATASETS[name]
        exp = experiment(ds, folder, budget)
        ours = bakeoff_side(exp)
        theirs = flaml_side(exp, budget, ours["primary"])
        higher = METRICS[ours["primary"]].higher_is_better
        if higher:
            gap, met = ours["score"] - theirs["score"], ours["score"] >= theirs["score"] - 0.005
            gap_s = f"{gap:+.4f}"
        else:
            gap, met = ours["score"] / theirs["score"] - 1.0, ours["score"] <= theirs["score"] * 1.01
            gap_s = f"{100 * gap:+.2f}%"
        t, flag = ours["tuned"], "MET " if met else "MISS"
        print(f"{name:14} {ours['primary']:17} {ours['score']:9.4f} {ours['best']:15} {ours['wall']:7.1f} "
              f"{theirs['score']:9.4f} {theirs['best']:11} {theirs['wall']:7.1f} {gap_s:>8}  {flag}"
              f"  | {_fmt(t.get('default_cv'))} {_fmt(t.get('best_cv_loss'))} {t.get('trials', '-'):>6}  "
              f"{_fmt(ours['tuned_score'])} (xgboost {_fmt(ours['xgboost_score'])})")
    print("validation metric of xgb CV / tuned CV: log loss (binary), RMSE (regression), Poisson deviance (count);"
          " lower is better")


def _fmt(x: Any) -> str:
    return f"{x:8.4f}" if isinstance(x, int | float) else f"{'-':>8}"


def trial_counts(name: str, boxes: list[float], folder: Path) -> None:
    """The tuned rung alone under growing boxes: trials run, completed, and the validation score."""
    print(f"\n== xgboost_tuned trial count by box on {name} ==")
    print(f"{'box s':>6} {'fit s':>7} {'trials':>7} {'complete':>9} {'timeout':>8} {'stopped by':>10} "
          f"{'default CV':>11} {'best CV':>9} {'holdout':>9}")
    for box in boxes:
        res = run(experiment(DATASETS[name], folder, box, include=["xgboost_tuned"]), write=False, history=None)
        row = res.rows[0]
        p = _row(row, "params") or {}
        score = METRICS[res.primary](res.holdout_y, res.predictions["xgboost_tuned"])
        print(f"{box:6g} {_row(row, 'fit_s'):7.1f} {p.get('trials', 0):7d} {p.get('trials_complete', 0):9d} "
              f"{p.get('trials_timeout', 0):8d} {p.get('stopped_by', '-'):>10} {_fmt(p.get('default_cv'))}   "
              f"{_fmt(p.get('best_cv_loss'))} {score:9.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=120.0, help="seconds for each side (default 120)")
    ap.add_argument("--datasets", nargs="*", default=list(DATASETS), choices=list(DATASETS))
    ap.add_argument("--boxes", nargs="*", type=float, default=[30.0, 60.0, 120.0])
    ap.add_argument("--trials-on", default="randhie", choices=list(DATASETS))
    args = ap.parse_args()
    for ds in args.datasets:
        print(f"{ds}: {DATASETS[ds].source}")
    with tempfile.TemporaryDirectory(prefix="peers-") as tmp:
        if args.datasets:
            compare(args.datasets, args.budget, Path(tmp))
        if args.boxes:
            trial_counts(args.trials_on, args.boxes, Path(tmp))
    print("\nThe machine may be shared: the two sides ran back to back, so both met about the same load.")


if __name__ == "__main__":
    main()
