"""Rungs 4-5: XGBoost with its defaults, and XGBoost tuned with Optuna inside the box."""

from __future__ import annotations

from typing import Any, Self

import pandas as pd

from bakeoff.candidates.contract import Budget, Candidate
from bakeoff.candidates.state import State
from bakeoff.core.measure import Stopwatch
from bakeoff.data.frame import Frame
from baselines._features import Design
from baselines.xgb_cv import build_model, category_kw, objective, predict_model
from baselines.xgb_search import Search


def make_model(frame: Frame, params: dict[str, Any], seed: int, threads: int) -> Any:
    """An unfitted XGBoost sklearn-API model."""
    kw = {"objective": objective(frame), "random_state": seed, "n_jobs": threads, "tree_method": "hist",
          **params}
    return build_model(frame.problem.task, kw)


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
        self.design_ = Design(categories="native").fit(frame.train, frame.features)
        self.task_ = frame.problem.task
        self.objective_ = objective(frame)
        self.model_ = make_model(frame, {**category_kw(self.design_), **self.params}, seed, budget.threads)
        self.model_.fit(self.design_.transform(frame.train).to_numpy(), frame.y_train.to_numpy(float))
        return self

    def predict(self, frame: Frame) -> pd.Series:
        X = self.design_.transform(frame.holdout).to_numpy()
        return pd.Series(predict_model(self.model_, X, self.task_), index=frame.holdout.index)

    def describe(self) -> dict[str, Any]:
        return {"objective": self.model_.get_params()["objective"],
                "params": {k: v for k, v in self.model_.get_params().items() if v is not None
                           and isinstance(v, int | float | str | bool)}, **self._encoding()}

    def _encoding(self) -> dict[str, Any]:
        encoding = self.design_.encoding()
        return {"encoding": encoding} if encoding else {}

    def to_state(self) -> State:
        """The model file's content: the design, the model's settings, and the booster as XGBoost UBJSON."""
        values = {"design": self.design_.to_dict(), "task": self.task_, "objective": self.objective_,
                  "kw": _constructor_kw(self.model_), **self._state_extra()}
        return State(values, {"booster.ubj": bytes(self.model_.get_booster().save_raw("ubj"))})

    def _state_extra(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_state(cls, state: State) -> Self:
        """The fitted candidate :meth:`to_state` described (no pickle: the booster loads from UBJSON)."""
        values = state.values
        out = cls()
        out.design_ = Design.from_dict(values["design"])
        out.task_, out.objective_ = values["task"], values["objective"]
        out.model_ = build_model(out.task_, values["kw"])
        out.model_.load_model(bytearray(state.parts["booster.ubj"]))
        out._restore_extra(values)
        return out

    def _restore_extra(self, values: dict[str, Any]) -> None:
        pass


class TunedXGBoost(XGBoost):
    """XGBoost tuned with Optuna TPE until the search settles or the candidate's box is spent.

    The first trial is the library default (exactly the ``xgboost`` rung, scored on the same
    folds), so the tuned rung is never worse than it on validation; the search trials stop
    boosting early on each fold's validation part and the refit uses the rounds the folds
    found. Trials run until the search settles (``settle`` trials without a real gain) or the
    box, less a measured refit margin, is spent (``max_trials`` caps them); each runs in its own
    process (a Ray task under Ray) under a hard box, up to ``workers`` at a time. See
    :mod:`baselines.xgb_search` for the loop.

    Args:
        max_trials: Cap on the number of trials (``None``: until the box is spent).
        folds: Folds of the cross-validation (forward-chaining folds on time splits); default 5, or 3
            from ``LARGE_ROWS`` training rows up, where three folds already validate on many rows and
            leave time for more trials.
        metric: Validation metric (default: log loss, Poisson deviance or RMSE by target).
        trial_timeout: Box of one trial in seconds (default: a third of the tuning time,
            at least ten default trials).
        workers: Trials run at once (default: ``[executor] workers`` when the budget carries it).
        settle: Stop the search once this many trials in a row fail to improve the best validation
            loss by more than the cross-validation can tell (0: fill the box): ``settle_gain`` of it and
            ``settle_noise`` standard errors of the paired fold differences. Settling makes the tuned
            model the same on every machine that reaches it within the box.
        settle_gain: The smallest relative gain that counts as an improvement.
        settle_noise: Standard errors of the paired fold differences a gain must exceed (0: relative gain only).
        patience: Early-stopping rounds without improvement.
        remember: Replay a search that settled on the same data and settings in an earlier run, and start a
            search on new data with the previous sprint's best settings (see :mod:`baselines.xgb_memory`).
        max_rounds: Cap on boosting rounds.
        n_trials: Old name of ``max_trials``.
        **params: Hyperparameters fixed for every trial.
    """

    rung = 5
    fills_box = True  # its fit time is set by its box and the search, not by its rows
    summary = "XGBoost tuned with Optuna TPE until it settles or its box is spent (k-fold / forward CV, early stopping)"

    LARGE_ROWS = 10_000

    def __init__(self, *, max_trials: int | None = None, folds: int | None = None, metric: str | None = None,
                 trial_timeout: float | None = None, workers: int | None = None, settle: int = 50,
                 settle_gain: float = 0.002, settle_noise: float = 1.0, patience: int = 50, max_rounds: int = 3000,
                 remember: bool = True, n_trials: int | None = None, **params: Any) -> None:
        super().__init__(**params)
        self.max_trials = max_trials if max_trials is not None else n_trials
        self.folds = folds
        self.metric = metric
        self.trial_timeout = trial_timeout
        self.workers = workers
        self.settle = settle
        self.settle_gain = settle_gain
        self.settle_noise = settle_noise
        self.remember = remember
        self.patience = patience
        self.max_rounds = max_rounds

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        with Stopwatch() as whole:
            self.design_ = Design(categories="native").fit(frame.train, frame.features)
            self.task_ = frame.problem.task
            X = self.design_.transform(frame.train).to_numpy()
            y = frame.y_train.to_numpy(float)
            search = Search(self, frame, X, y, seed=seed, budget=budget)
            study = search.recall()
            if study is not None:
                try:
                    return self._replay(study)
                except Exception:  # noqa: BLE001 - a study whose model cannot be loaded is searched again
                    pass
            best = search.run()
            self.search_ = search.summary(best)
            self.objective_ = best.kw["objective"]
            self.refit_kw_ = _refit_kw(best.kw, best.early_stop, best.refit_rounds)
            self.model_ = build_model(self.task_, self.refit_kw_).fit(X, y)
        self.billed_fit_ = (whole.wall, whole.cpu)
        search.remember(best, self.search_, self.model_, self.billed_fit_)
        return self

    def _replay(self, study: dict[str, Any]) -> Self:
        """Take the remembered search and its refit model; bill the seconds the whole fit took when it ran."""
        self.objective_ = study["kw"]["objective"]
        self.refit_kw_ = _refit_kw(study["kw"], study["early_stop"], study["refit_rounds"])
        self.model_ = build_model(self.task_, self.refit_kw_)
        self.model_.load_model(bytearray(study["model"]))
        wall, cpu = study["fit"]
        self.search_ = {**study["summary"], "replayed": {"from": study["created"], "fit_s": round(wall, 3)}}
        self.billed_fit_ = (float(wall), float(cpu))
        return self

    @property
    def validation_s_(self) -> float:
        """What the twin is expected to take: the search's refit and predict margins (1.3x the estimates)."""
        return float(self.search_.get("refit_margin_s") or 0.0) + float(self.search_.get("predict_margin_s") or 0.0)

    def validation_twin(self) -> XGBoost:
        """An unfitted ``xgboost`` with the settings this search chose, for the inner validation of ``[value]``.

        The threshold is picked on predictions of a model fitted on 70% of the training rows; searching again
        there would double the rung's time for a threshold. The settings were chosen by cross-validation on
        all training rows (those 30% included), so the twin's validation predictions can be a little
        optimistic, as with a threshold tuned by cross-validation around fixed hyperparameters; the holdout
        still never enters.
        """
        fixed = {k: v for k, v in self.refit_kw_.items() if k not in ("random_state", "n_jobs")}
        return XGBoost(**fixed)

    def _state_extra(self) -> dict[str, Any]:
        return {"search": self.search_, "refit_kw": self.refit_kw_}

    def _restore_extra(self, values: dict[str, Any]) -> None:
        self.search_, self.refit_kw_ = values["search"], values["refit_kw"]

    def describe(self) -> dict[str, Any]:
        return {**self.search_, "objective": self.objective_,
                "params": {k: v for k, v in self.model_.get_params().items() if v is not None
                           and isinstance(v, int | float | str | bool)}, **self._encoding()}


def _refit_kw(kw: dict[str, Any], early_stop: bool, rounds: int) -> dict[str, Any]:
    """The keywords of the refit on all training rows: early stopping's best round count, no validation set."""
    out = {k: v for k, v in kw.items() if k != "early_stopping_rounds"}
    if early_stop:
        out["n_estimators"] = rounds
    return out


def _constructor_kw(model: Any) -> dict[str, Any]:
    """The settings a model was built with that rebuild its sklearn wrapper (JSON values; NaN and None left out)."""
    plain_types = (bool, int, float, str, list)
    return {k: v for k, v in model.get_params().items()
            if isinstance(v, plain_types) and not (isinstance(v, float) and v != v)}
