"""The column-type matrix: every candidate against the tables teams bring.

:func:`team_table` draws a table with one column of each type teams bring (whole numbers,
numbers with gaps, an all-missing and a constant column, yes/no flags in four spellings,
Python booleans, 3- and 51-level text, an ID, a date, a timestamp with a time zone, numbers
written with thousands separators, numbers mixed with placeholders). :func:`run_cell` writes it
to a file, loads it through the same path as ``bakeoff run`` (reader, column types, split) and
fits and predicts every candidate of a ladder on it, in this process. A cell is one target
(binary in four label spellings, regression, count) crossed with one split (random; time with
spread dates; time with every training row on one date; group). Every candidate must end OK or
SKIPPED with a reason; ``benchmarks/column_types.py`` prints the whole matrix.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bakeoff.candidates.contract import Budget
from bakeoff.candidates.registry import Spec
from bakeoff.core.errors import NotApplicable
from bakeoff.data.frame import Frame

TARGETS = ("yes/no", "Y/N", "TRUE/FALSE", "bool", "regression", "count")
SPLITS = ("random", "time", "snapshot", "group")
# fast settings: the matrix checks that every rung runs, not how well
FAST = {"xgboost_tuned": {"max_trials": 3, "folds": 2}, "random_forest": {"n_estimators": 20}}


def team_table(n_rows: int = 400, seed: int = 0, *, target: str = "yes/no") -> pd.DataFrame:
    """A churn-like table with one column of each type teams bring, and target ``y`` as ``target`` asks."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 72, n_rows)
    monthly = np.round(rng.uniform(20, 110, n_rows), 2)
    flag = rng.random(n_rows) < 0.3
    df = pd.DataFrame({
        "customer_id": [f"C{i:06d}" for i in rng.permutation(n_rows)],
        "tenure": tenure,
        "monthly": np.where(rng.random(n_rows) < 0.05, np.nan, monthly),
        "empty": np.full(n_rows, np.nan),
        "constant": np.full(n_rows, 7),
        "flag_yes": np.where(flag, "yes", "no"),
        "flag_cap": np.where(rng.random(n_rows) < 0.5, "Yes", "No"),
        "flag_y": np.where(rng.random(n_rows) < 0.5, "Y", "N"),
        "flag_true": np.where(rng.random(n_rows) < 0.5, "TRUE", "FALSE"),
        "flag_bool": rng.random(n_rows) < 0.4,
        "plan": rng.choice(["basic", "plus", "pro"], n_rows),
        "state": rng.choice([f"S{i:02d}" for i in range(51)], n_rows),
        "ticket": [f"T-{i:08d}" for i in rng.permutation(n_rows) * 7 + 13],
        "signup": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n_rows), unit="D"),
        "seen_at": (pd.Timestamp("2023-06-01", tz="Europe/Paris")
                    + pd.to_timedelta(rng.integers(0, 10_000, n_rows), unit="min")),
        "amount": [f"{v:,}" for v in rng.integers(10, 20_000, n_rows)],
        "score_text": np.where(rng.random(n_rows) < 0.05, "n/a", rng.integers(0, 100, n_rows).astype(str)),
        "household": rng.integers(0, n_rows // 4, n_rows),
        "as_of": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 120, n_rows), unit="D"),
    })
    logit = -1.0 - 0.03 * tenure + 0.02 * monthly + 1.0 * flag
    df["y"] = _target(target, logit, rng)
    return df


def churn_snapshot(n_rows: int = 3000, seed: int = 7) -> pd.DataFrame:
    """The commonest churn layout: a snapshot of customers on one date, yes/no flags, text, a few gaps.

    ``tenure`` (int), ``monthly`` (float), ``total`` (float, 10 missing), ``plan`` (3 levels),
    ``intl_plan`` ("yes"/"no"), ``state`` (51 levels), target ``churned`` ("yes"/"no"), and ``as_of``:
    the first 73% of rows on 2024-01-01 (training), the rest on 2024-07-01 (holdout, cutoff 2024-06-01).
    """
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 72, n_rows)
    monthly = np.round(rng.uniform(20, 110, n_rows), 2)
    total = np.round(tenure * monthly * rng.uniform(0.9, 1.1, n_rows), 2)
    total[rng.choice(n_rows, 10, replace=False)] = np.nan
    plan = rng.choice(["basic", "plus", "pro"], n_rows, p=[0.5, 0.3, 0.2])
    intl = rng.choice(["yes", "no"], n_rows, p=[0.1, 0.9])
    logit = -1.0 - 0.04 * tenure + 0.015 * monthly + 1.2 * (intl == "yes") + 0.5 * (plan == "basic")
    churned = np.where(rng.random(n_rows) < 1.0 / (1.0 + np.exp(-logit)), "yes", "no")
    as_of = np.where(np.arange(n_rows) < int(0.7334 * n_rows), "2024-01-01", "2024-07-01")
    return pd.DataFrame({"customer_id": np.arange(n_rows) + 1000, "tenure": tenure, "monthly": monthly,
                         "total": total, "plan": plan, "intl_plan": intl,
                         "state": rng.choice([f"S{i:02d}" for i in range(51)], n_rows), "churned": churned,
                         "as_of": as_of})


SNAPSHOT_CONFIG = """[experiment]
name = "churn_snapshot"
seed = 0

[data]
source = "churn.csv"

[problem]
kind = "binary"
target = "churned"
positive = "yes"
key = "customer_id"
split = { method = "time", column = "as_of", cutoff = "2024-06-01" }

[timebox]
total = "1m"
"""


def _target(kind: str, logit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    hit = rng.random(len(logit)) < 1.0 / (1.0 + np.exp(-logit))
    if kind == "regression":
        return np.round(10.0 + 3.0 * logit + rng.normal(size=len(logit)), 3)
    if kind == "count":
        return rng.poisson(np.exp(0.3 * logit + 0.5))
    if kind == "bool":
        return hit
    negative, positive = {"yes/no": ("no", "yes"), "Y/N": ("N", "Y"), "TRUE/FALSE": ("FALSE", "TRUE")}[kind]
    return np.where(hit, positive, negative)


def cell_config(folder: Path, target: str, split: str) -> dict:
    """The config of one cell, its table written under ``folder`` (Parquet for Python booleans, else CSV)."""
    df = team_table(target=target)
    if split == "snapshot":
        df["as_of"] = np.where(np.arange(len(df)) < int(0.7 * len(df)), "2024-01-01", "2024-07-01")
        df["as_of"] = pd.to_datetime(df["as_of"])
    name = f"{target.replace('/', '_')}_{split}"
    path = folder / (f"{name}.parquet" if target == "bool" else f"{name}.csv")
    df.to_parquet(path) if target == "bool" else df.to_csv(path, index=False)
    kind = {"regression": "regression", "count": "count"}.get(target, "binary")
    problem: dict = {"kind": kind, "target": "y", "key": "customer_id"}
    if kind == "binary" and target != "bool":
        problem["positive"] = target.split("/")[0].lower()  # any spelling present in the file, case aside
    problem["split"] = {"random": {"method": "random", "holdout": 0.3},
                        "time": {"method": "time", "column": "as_of", "cutoff": "2024-03-01"},
                        "snapshot": {"method": "time", "column": "as_of", "cutoff": "2024-06-01"},
                        "group": {"method": "group", "column": "household", "holdout": 0.3}}[split]
    return {"experiment": {"name": name, "seed": 0}, "data": {"source": str(path)}, "problem": problem,
            "score": {"bootstrap": 50}}


@dataclass(frozen=True)
class Outcome:
    """One candidate in one cell: ``OK``, ``SKIPPED`` or ``FAILED``, with the reason."""

    target: str
    split: str
    candidate: str
    status: str
    message: str = ""


def run_cell(folder: Path, target: str, split: str, specs: list[Spec], box_s: float = 60.0) -> list[Outcome]:
    """Load one cell's table as ``bakeoff run`` would and fit and predict each spec on it."""
    from bakeoff import prepare
    from bakeoff.config.experiment import experiment_from_dict

    try:
        frame, _ = prepare(experiment_from_dict(cell_config(folder, target, split)))
    except Exception as exc:  # noqa: BLE001 - the whole cell fails: say why, once per candidate
        return [Outcome(target, split, s.name, "FAILED", f"frame: {type(exc).__name__}: {exc}") for s in specs]
    truthless = frame.without_truth()
    out = []
    for spec in specs:
        out.append(Outcome(target, split, spec.name, *fit_predict(spec, truthless, box_s)))
    return out


def fit_predict(spec: Spec, frame: Frame, box_s: float) -> tuple[str, str]:
    """Fit and predict ``spec`` on ``frame`` in this process: (status, message)."""
    try:
        cand = spec.build()
        cand.check_applicable(frame.problem)
        budget = Budget(time.monotonic() + box_s, 1, isolation="forkserver")
        pred = np.asarray(cand.fit(frame, budget=budget, seed=0).predict(frame), dtype=float)
    except NotApplicable as exc:
        return "SKIPPED", str(exc)
    except Exception as exc:  # noqa: BLE001 - a FAILED cell, with its message
        return "FAILED", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
    if len(pred) != len(frame.holdout) or not np.isfinite(pred).all():
        return "FAILED", "predictions missing or not finite"
    if frame.problem.task == "binary" and ((pred < 0) | (pred > 1)).any():
        return "FAILED", "probabilities outside [0, 1]"
    return "OK", ""


def ladder_specs() -> list[Spec]:
    """Every built-in candidate, with the matrix's fast settings."""
    from bakeoff.candidates.registry import LADDER

    return [Spec(n, t, {**p, **FAST.get(n, {})}) for n, (t, p) in LADDER.items()]
