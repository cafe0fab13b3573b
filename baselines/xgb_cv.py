"""Cross-validation for boosted trees: folds that respect the split, early stopping inside each fold.

:func:`make_folds` picks the scheme the holdout calls for: forward chaining when the
holdout is cut by time (each fold trains on everything before its validation block),
group folds when rows carry groups, stratified folds for binary targets, plain
shuffled k-fold otherwise. :func:`cv_trial` fits one parameter set on every fold and is
what each isolated tuning trial runs.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from bakeoff.data.frame import Frame
from baselines._features import Design

Folds = list[tuple[np.ndarray, np.ndarray]]

DEFAULT_METRIC = {"binary": "log_loss", "count": "poisson_deviance", "regression": "rmse"}
# The XGBoost evaluation metric that orders boosting rounds like each validation metric.
EVAL_METRIC = {"log_loss": "logloss", "roc_auc": "auc", "brier": "rmse", "rmse": "rmse", "mae": "mae",
               "poisson_deviance": "poisson-nloglik"}


def objective(frame: Frame) -> str:
    """The XGBoost objective for the problem's target."""
    p = frame.problem
    if p.task == "binary":
        return "binary:logistic"
    if p.task == "count":
        return "count:poisson"
    if p.kind == "customer_base" and p.target == "spend":
        return "reg:tweedie"
    return "reg:squarederror"


def objective_reason(frame: Frame) -> str:
    """Why :func:`objective` chose what it chose, for the report."""
    return {"binary:logistic": "binary target: logistic loss",
            "count:poisson": "count target: Poisson log-likelihood",
            "reg:tweedie": "spend (zeros and a long right tail): Tweedie log-likelihood",
            "reg:squarederror": "continuous target: squared error"}[objective(frame)]


def make_folds(y: np.ndarray, k: int, seed: int, *, task: str, time_order: np.ndarray | None = None,
               groups: np.ndarray | None = None) -> tuple[Folds, str]:
    """Validation folds over the training rows, and a sentence naming the scheme.

    Args:
        y: The training target (for stratification).
        k: The number of folds wanted.
        seed: Seed of the shuffle.
        task: ``binary`` targets get stratified folds.
        time_order: Row times when the holdout is cut by time: forward-chaining folds.
        groups: Row groups when the split keeps groups apart: no group on both sides of a fold.
    """
    from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

    why = ""
    if time_order is not None:
        folds = forward_folds(np.asarray(time_order), k)
        if folds:
            return folds, f"forward-chaining CV by time, {len(folds)} folds (each trains on all earlier rows)"
        why = "training rows share one date, so no fold can train on earlier rows: "
    if groups is not None:
        kk = min(k, len(np.unique(groups)))
        if kk >= 2:
            return list(GroupKFold(kk).split(y, y, groups)), f"{why}{kk}-fold group CV (no group in two folds)"
    if task == "binary":
        smallest = int(np.bincount(y.astype(int), minlength=2).min())
        if smallest >= 2:
            kk = min(k, smallest)
            split = StratifiedKFold(kk, shuffle=True, random_state=seed).split(y, y)
            return list(split), f"{why}{kk}-fold stratified CV"
    kk = max(2, min(k, len(y)))
    return list(KFold(kk, shuffle=True, random_state=seed).split(y)), f"{why}{kk}-fold CV"


def forward_folds(when: np.ndarray, k: int) -> Folds:
    """Forward chaining: rows sorted by time in ``k + 1`` blocks; fold i fits blocks ``0..i``, validates ``i+1``.

    Rows that share a time stay on one side of every cut. Empty list when the times do not
    allow two blocks (all equal).
    """
    order = np.argsort(when, kind="stable")
    ts = when[order]
    n = len(ts)
    cuts = set()
    for j in range(1, k + 1):
        c = min(int(round(j * n / (k + 1))), n - 1)
        cuts.add(int(np.searchsorted(ts, ts[c], side="left")))
    cuts_sorted = sorted(c for c in cuts if 0 < c < n)
    if not cuts_sorted:
        return []
    ends = [*cuts_sorted[1:], n]
    return [(order[:c], order[c:e]) for c, e in zip(cuts_sorted, ends, strict=True) if e > c]


def build_model(task: str, kw: dict[str, Any]) -> Any:
    """An unfitted XGBoost sklearn-API model from constructor keywords."""
    import xgboost as xgb

    return xgb.XGBClassifier(**kw) if task == "binary" else xgb.XGBRegressor(**kw)


def predict_model(model: Any, X: np.ndarray, task: str) -> np.ndarray:
    """Probabilities for binary targets, means otherwise."""
    return model.predict_proba(X)[:, 1] if task == "binary" else model.predict(X)


def cv_trial(X: np.ndarray, y: np.ndarray, folds: Folds, kw: dict[str, Any], task: str,
             metric: str) -> dict[str, Any]:
    """Fit ``kw`` on every fold and score its validation part (what one tuning trial runs).

    With ``early_stopping_rounds`` in ``kw`` each fold stops on its own validation part and
    is scored at its best round.

    Returns:
        ``value`` (mean validation ``metric`` over folds that could be scored), and per fold the
        best ``rounds``, the ``trained`` rounds, the fit seconds ``fit_s`` and the fit rows ``n_fit``,
        the validation predict seconds ``predict_s`` and rows ``n_val``.
    """
    from bakeoff.candidates.metrics import METRICS

    scores, rounds, trained, secs, sizes, pred_secs, val_sizes = [], [], [], [], [], [], []
    for fit_idx, val_idx in folds:
        model = build_model(task, kw)
        start = time.perf_counter()
        if kw.get("early_stopping_rounds"):
            model.fit(X[fit_idx], y[fit_idx], eval_set=[(X[val_idx], y[val_idx])], verbose=False)
            rounds.append(int(model.best_iteration) + 1)
        else:
            model.fit(X[fit_idx], y[fit_idx])
            rounds.append(int(model.get_booster().num_boosted_rounds()))
        secs.append(time.perf_counter() - start)
        trained.append(int(model.get_booster().num_boosted_rounds()))
        sizes.append(len(fit_idx))
        start = time.perf_counter()
        predicted = predict_model(model, X[val_idx], task)
        pred_secs.append(time.perf_counter() - start)
        val_sizes.append(len(val_idx))
        scores.append(METRICS[metric](y[val_idx], predicted))
    finite = [s for s in scores if np.isfinite(s)]
    return {"value": float(np.mean(finite)) if finite else float("nan"), "folds": [float(s) for s in scores],
            "rounds": rounds, "trained": trained, "fit_s": secs, "n_fit": sizes, "predict_s": pred_secs,
            "n_val": val_sizes}


def refit_rounds(info: dict[str, Any], n: int, *, forward: bool, cap: int) -> int:
    """Boosting rounds for the refit on all ``n`` training rows, from the rounds the folds found.

    Rounds grow with the data a fold trained on: k-fold takes the mean best round scaled by
    ``n / mean(fit rows)`` (``k / (k - 1)``); forward chaining takes the last, largest fold's.
    """
    best = np.asarray(info["rounds"], dtype=float)
    rows = np.asarray(info["n_fit"], dtype=float)
    if forward:
        rounds = best[-1] * n / rows[-1]
    else:
        rounds = best.mean() * n / rows.mean()
    return int(np.clip(np.round(rounds), 1, cap))


def refit_seconds(info: dict[str, Any], n: int, rounds: int) -> float:
    """Estimated seconds of the refit: the folds' measured seconds per round per row, scaled."""
    per_round_row = np.mean([s / max(t, 1) / max(m, 1) for s, t, m in
                             zip(info["fit_s"], info["trained"], info["n_fit"], strict=True)])
    return float(per_round_row * rounds * n)


def predict_seconds(info: dict[str, Any], n: int, rounds: int) -> float:
    """Estimated seconds to predict ``n`` rows with ``rounds`` rounds: the folds' validation predict seconds
    per round per row, scaled (0 when the trial did not time them)."""
    if not info.get("predict_s"):
        return 0.0
    per_round_row = np.mean([s / max(r, 1) / max(m, 1) for s, r, m in
                             zip(info["predict_s"], info["rounds"], info["n_val"], strict=True)])
    return float(per_round_row * rounds * n)


def category_kw(design: Design) -> dict[str, Any]:
    """XGBoost keywords that mark the design's category-code columns (none when it has none)."""
    if not design.codes_:
        return {}
    return {"enable_categorical": True, "feature_types": ["c" if c else "q" for c in design.categorical]}
