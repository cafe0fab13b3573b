"""Per-segment scores and calibration tables for the trade-off report.

Segments: every candidate scored on each value of each ``problem.segments`` column
(the most frequent values, the rest grouped as ``(other)``), with row counts; a
segment whose best candidate differs from the overall best is called out.
Calibration: reliability bins for probabilities; actual vs predicted by
calibration-period frequency (customers) or by predicted decile (other counts and
amounts), as in the customer-base literature.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bakeoff.candidates.metrics import Metric
from bakeoff.data.frame import Problem

TOP_VALUES = 8
MIN_ROWS = 20
X_BINS = 7  # x = 0..6 and 7+


def segment_scores(segments: pd.DataFrame | None, actual: np.ndarray, preds: dict[str, np.ndarray],
                   metric: Metric) -> pd.DataFrame:
    """Long table: column, value, n, candidate, the primary metric."""
    cols = ["column", "value", "n", "candidate", metric.name]
    if segments is None or not preds:
        return pd.DataFrame(columns=cols)
    out = []
    for col in segments.columns:
        values = segments[col].astype(str).fillna("(missing)").to_numpy()
        top = pd.Series(values).value_counts().index[:TOP_VALUES]
        grouped = np.where(np.isin(values, top), values, "(other)")
        for value in pd.unique(grouped):
            mask = grouped == value
            for name, p in preds.items():
                score = metric(actual[mask], p[mask]) if mask.sum() >= 2 else float("nan")
                out.append((col, value, int(mask.sum()), name, score))
    return pd.DataFrame(out, columns=cols)


def ranking_flips(table: pd.DataFrame, metric: Metric, overall_best: str | None) -> list[str]:
    """Sentences for segments (with enough rows) whose best candidate is not the overall best."""
    notes = []
    if table.empty or overall_best is None:
        return notes
    for (col, value), g in table.groupby(["column", "value"], sort=False):
        g = g.dropna(subset=[metric.name])
        if g.empty or g["n"].iloc[0] < MIN_ROWS:
            continue
        best = g.sort_values(metric.name, ascending=not metric.higher_is_better).iloc[0]
        if best["candidate"] != overall_best:
            ref = g[g["candidate"] == overall_best][metric.name]
            ref_txt = f" vs {ref.iloc[0]:.4g}" if len(ref) else ""
            notes.append(f"In segment {col} = {value} (n = {best['n']:,}) the ranking flips: {best['candidate']} "
                         f"is best ({metric.label} {best[metric.name]:.4g}{ref_txt} for {overall_best}).")
    return notes


def calibration_tables(problem: Problem, holdout: pd.DataFrame | None, actual: np.ndarray,
                       preds: dict[str, np.ndarray]) -> dict[str, list[dict]]:
    """Per candidate: rows of (bin, n, actual mean, predicted mean)."""
    if problem.task == "binary":
        return {name: _bins(np.minimum((np.clip(p, 0, 1) * 10).astype(int), 9), actual, p,
                            lambda b: f"{b / 10:.1f}-{(b + 1) / 10:.1f}") for name, p in preds.items()}
    if problem.kind == "customer_base" and holdout is not None and "x" in holdout:
        x = np.minimum(holdout["x"].to_numpy(int), X_BINS)
        return {name: _bins(x, actual, p, lambda b: f"{b}+" if b == X_BINS else str(b)) for name, p in preds.items()}
    out = {}
    for name, p in preds.items():
        ranks = pd.Series(p).rank(method="first").to_numpy()
        dec = np.minimum(((ranks - 1) / len(p) * 10).astype(int), 9)
        out[name] = _bins(dec, actual, p, lambda b: f"decile {b + 1}")
    return out


def _bins(idx: np.ndarray, actual: np.ndarray, predicted: np.ndarray, label) -> list[dict]:
    rows = []
    for b in np.unique(idx):
        mask = idx == b
        rows.append({"bin": label(int(b)), "n": int(mask.sum()), "actual": float(actual[mask].mean()),
                     "predicted": float(predicted[mask].mean())})
    return rows
