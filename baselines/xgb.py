"""Rungs 4-5: XGBoost with its defaults, and XGBoost tuned with Optuna inside the box."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd

from bakeoff.candidate import Budget, Candidate
from bakeoff.frame import Frame
from bakeoff.row import Status
from baselines._features import Design


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


def make_model(frame: Frame, params: dict[str, Any], seed: int, threads: int) -> Any:
    """An unfitted XGBoost sklearn-API model."""
    import xgboost as xgb

    kw = {"objective": objective(frame), "random_state": seed, "n_jobs": threads, "tree_method": "hist",
          **params}
    return xgb.XGBClassifier(**kw) if frame.problem.task == "binary" else xgb.XGBRegressor(**kw)


def predict_model(model: Any, X: np.ndarray, task: str) -> np.ndarray:
    """Probabilities for binary targets, means otherwise."""
    return model.predict_proba(X)[:, 1] if task == "binary" else model.predict(X)


class XGBoost(Candidate):
    """XGBoost with the library's default hyperparameters."""

    family = "xgboost"
    rung = 4
    summary = "XGBoost, library defaults (binary:logistic / count:poisson / reg:tweedie)"

    def __init__(self, **params: Any) -> None:
        self.params = params

    @classmethod
    def passthrough_params(cls, params: dict[str, Any]) -> set[str] | None:
        """XGBoost's scikit-learn parameters (the booster's common ones among them)."""
        import inspect

        import xgboost as xgb

        return (set(xgb.XGBModel().get_params()) | set(inspect.signature(xgb.XGBModel).parameters)) - {
            "kwargs", "random_state"}

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        self.design_ = Design().fit(frame.train, frame.features)
        self.task_ = frame.problem.task
        self.model_ = make_model(frame, self.params, seed, budget.threads)
        self.model_.fit(self.design_.transform(frame.train).to_numpy(), frame.y_train.to_numpy(float))
        return self

    def predict(self, frame: Frame) -> pd.Series:
        X = self.design_.transform(frame.holdout).to_numpy()
        return pd.Series(predict_model(self.model_, X, self.task_), index=frame.holdout.index)

    def describe(self) -> dict[str, Any]:
        return {"params": {k: v for k, v in self.model_.get_params().items() if v is not None
                           and isinstance(v, int | float | str | bool)}}


def cv_score(frame: Frame, X: np.ndarray, y: np.ndarray, params: dict[str, Any], seed: int, threads: int,
             folds: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Mean validation loss (lower is better) of ``params`` over ``folds``."""
    from bakeoff.metrics import METRICS

    loss = {"binary": "log_loss", "count": "poisson_deviance"}.get(frame.problem.task, "rmse")
    scores = []
    for fit_idx, val_idx in folds:
        model = make_model(frame, params, seed, threads).fit(X[fit_idx], y[fit_idx])
        scores.append(METRICS[loss](y[val_idx], predict_model(model, X[val_idx], frame.problem.task)))
    return float(np.mean(scores))


def make_folds(n: int, k: int, seed: int, time_order: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """K shuffled folds, or one forward split (last 25%) when rows have a time order."""
    idx = np.arange(n)
    if time_order is not None:
        order = np.argsort(time_order, kind="stable")
        cut = int(n * 0.75)
        return [(order[:cut], order[cut:])]
    perm = np.random.default_rng(seed).permutation(idx)
    parts = np.array_split(perm, k)
    return [(np.concatenate(parts[:i] + parts[i + 1:]), parts[i]) for i in range(k)]


def suggest(trial: Any) -> dict[str, Any]:
    """The search space."""
    return {
        "n_estimators": trial.suggest_int("n_estimators", 50, 600, log=True),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "max_depth": trial.suggest_int("max_depth", 2, 8),
        "min_child_weight": trial.suggest_float("min_child_weight", 0.5, 20, log=True),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10, log=True),
    }


class TunedXGBoost(XGBoost):
    """XGBoost tuned with Optuna TPE inside the candidate's box.

    Each trial runs in a forked process (a Ray task under the Ray engine) under its own hard box
    (ask/tell); a killed
    or crashed trial is told as FAIL. Tuning stops when the box (less a reserve for
    the final refit) runs out or ``n_trials`` is reached; the best parameters are
    refit on the whole training part. Validation is k-fold on the training part, or a
    forward split (the latest quarter of the training rows) when the holdout is cut by time.
    """

    rung = 5
    summary = "XGBoost tuned with Optuna TPE (k-fold CV on the training part), every trial hard-boxed"

    def __init__(self, *, n_trials: int = 60, folds: int = 3, trial_timeout: float = 30.0,
                 refit_reserve: float = 0.25, **params: Any) -> None:
        super().__init__(**params)
        self.n_trials = n_trials
        self.folds = folds
        self.trial_timeout = trial_timeout
        self.refit_reserve = refit_reserve

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        import optuna

        from bakeoff.executor import run_isolated, share

        self.design_ = Design().fit(frame.train, frame.features)
        self.task_ = frame.problem.task
        X = self.design_.transform(frame.train).to_numpy()
        y = frame.y_train.to_numpy(float)
        folds = make_folds(len(y), self.folds, seed, frame.train_time)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
        stop_at = budget.deadline - self.refit_reserve * budget.remaining()
        self.history_: list[dict[str, Any]] = []
        self.isolation_ = budget.isolation
        self.validation_ = "forward split by time" if frame.train_time is not None else f"{self.folds}-fold"
        data = share((frame, X, y), self.isolation_)
        for _ in range(self.n_trials):
            left = stop_at - _now()
            if left < 0.2:
                break
            trial = study.ask()
            params = {**suggest(trial), **self.params}
            out = run_isolated(cv_score, (*data, params, seed, budget.threads, folds),
                               min(self.trial_timeout, left), method=self.isolation_)
            ok = out.status is Status.OK and isinstance(out.value, float) and np.isfinite(out.value)
            state = optuna.trial.TrialState.COMPLETE if ok else optuna.trial.TrialState.FAIL
            study.tell(trial, out.value if ok else None, state=state)
            self.history_.append({"trial": trial.number, "state": state.name, "value": out.value if ok else None,
                                  "seconds": round(out.elapsed, 3), **({} if ok else {"why": out.message})})
            best = [h["value"] for h in self.history_ if h["value"] is not None]
            budget.report(trials=len(self.history_), best=min(best) if best else None)
        done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        self.best_params_ = {**(study.best_params if done else {}), **self.params}
        self.best_value_ = study.best_value if done else None
        self.model_ = make_model(frame, self.best_params_, seed, budget.threads).fit(X, y)
        return self

    def describe(self) -> dict[str, Any]:
        done = sum(1 for h in self.history_ if h["state"] == "COMPLETE")
        return {"trials": len(self.history_), "isolation": self.isolation_, "validation": self.validation_,
                "trials_complete": done, "best_cv_loss": self.best_value_,
                "best_params": self.best_params_, "history": self.history_}


def _now() -> float:
    import time

    return time.monotonic()
