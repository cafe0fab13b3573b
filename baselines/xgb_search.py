"""The tuning loop of ``xgboost_tuned``: ask/tell trials until the box, less the refit, is spent.

Trial 0 is the library default, scored on the same folds as every other trial; the next
two are enqueued starting points (defaults with early stopping, and a common hand-tuned
start) and the rest come from Optuna's TPE sampler. Every trial runs :func:`cv_trial` in
its own process (or Ray task) under a hard box, up to ``workers`` at once. Before a trial
starts, the time left must cover a margin measured from the trials themselves: the refit of the
current best set, estimated from its folds' seconds per round per row, and its prediction of the
whole holdout (which at ten million customers takes minutes), from its folds' validation predict
seconds per round per row.

Reproducible whatever the machine's speed: trial ``k`` starts only after trials
``0 .. k - workers`` have finished, and exactly those are told to Optuna before it is asked (a
sliding window; later ones wait even if they finished first), so the sampler sees the same
history at every ask in every run with the same seed. The
search **settles** (stops before the box) once ``settle`` trials in a row fail to improve the
best validation loss by ``settle_gain`` of it: gains that small are inside the cross-validation
noise, so the rest of the box would buy nothing the holdout could see, and the table no longer
depends on how many trials this machine happened to fit in. What still depends on timing: a
search the box cuts first (its row says ``stopped_by = "box"``), and a trial that runs into its
own box (told as failed; the history shows ``TIMEOUT``). The window's width is the number of
trials run at once (``workers``), so a machine with another default worker count runs another
(equally reproducible) search.
"""

from __future__ import annotations

import time
import warnings
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bakeoff.candidates.contract import Budget, Status
from bakeoff.core.errors import CandidateError
from bakeoff.data.frame import Frame
from baselines.xgb_cv import (
    DEFAULT_METRIC,
    EVAL_METRIC,
    category_kw,
    cv_trial,
    make_folds,
    objective,
    objective_reason,
    predict_seconds,
    refit_rounds,
    refit_seconds,
)
from baselines.xgb_memory import KEPT, Memory

MARGIN_SAFETY = 1.3
MIN_TRIAL_S = 0.2


@dataclass
class Trial:
    """One set of XGBoost keywords and what its cross-validation found."""

    number: int
    kind: str
    kw: dict[str, Any]
    early_stop: bool
    state: str = "RUNNING"
    value: float | None = None
    loss: float = float("inf")
    seconds: float = 0.0
    refit_rounds: int = 0
    refit_s: float = 0.0
    predict_s: float = 0.0  # estimated seconds to predict the whole holdout with the refit
    params: dict[str, Any] = field(default_factory=dict)
    why: str = ""
    fold_losses: list[float] = field(default_factory=list)  # per-fold validation loss, the folds every trial shares

    def record(self) -> dict[str, Any]:
        """The trial's line in the tuning history."""
        out = {"trial": self.number, "kind": self.kind, "state": self.state, "value": self.value,
               "seconds": round(self.seconds, 3), "rounds": self.refit_rounds or None}
        return {**out, "why": self.why} if self.why else out


class Space:
    """The search space with priors a practitioner would use, and the enqueued starting points."""

    def __init__(self, task: str, actual: np.ndarray, default_objective: str, fixed: dict[str, Any]) -> None:
        self.default_objective = default_objective
        self.choose_objective = (task == "regression" and "objective" not in fixed and len(actual) > 0
                                 and float(np.min(actual)) >= 0.0 and float(np.max(actual)) > 0.0)

    def suggest(self, trial: Any) -> dict[str, Any]:
        """Hyperparameters for one Optuna trial."""
        kw = {
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
            "max_depth": trial.suggest_int("max_depth", 2, 10),
            "min_child_weight": trial.suggest_float("min_child_weight", 0.1, 50.0, log=True),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
            "reg_alpha": trial.suggest_float("reg_alpha", 1e-3, 10.0, log=True),
            "reg_lambda": trial.suggest_float("reg_lambda", 1e-2, 30.0, log=True),
        }
        if self.choose_objective:
            kw["objective"] = trial.suggest_categorical("objective", ["reg:squarederror", "reg:tweedie"])
            if kw["objective"] == "reg:tweedie":
                kw["tweedie_variance_power"] = trial.suggest_float("tweedie_variance_power", 1.05, 1.95)
        return kw

    def starts(self) -> list[dict[str, Any]]:
        """Enqueued first search trials: the defaults with early stopping, then a common hand-tuned start."""
        common = {"max_depth": 6, "min_child_weight": 1.0, "reg_alpha": 1e-3, "reg_lambda": 1.0}
        starts = [{**common, "learning_rate": 0.3, "subsample": 1.0, "colsample_bytree": 1.0},
                  {**common, "learning_rate": 0.05, "subsample": 0.8, "colsample_bytree": 0.8}]
        if self.choose_objective:
            starts = [{**s, "objective": self.default_objective} for s in starts]
        return starts


class _Inline:
    """A stand-in for a one-thread pool: ``submit`` runs the call at once."""

    def submit(self, fn: Any, *args: Any, **kwargs: Any) -> Future:
        fut: Future = Future()
        fut.set_result(fn(*args, **kwargs))
        return fut

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class Search:
    """Runs the trials of one ``TunedXGBoost.fit`` and picks the set to refit."""

    def __init__(self, cand: Any, frame: Frame, features: np.ndarray, actual: np.ndarray, *, seed: int,
                 budget: Budget) -> None:
        from bakeoff.candidates.metrics import METRICS

        self.cand, self.X, self.y, self.seed, self.budget = cand, features, actual, seed, budget
        self.task = frame.problem.task
        self.metric = cand.metric or DEFAULT_METRIC[self.task]
        if self.metric not in EVAL_METRIC or self.task not in METRICS[self.metric].tasks:
            usable = [m for m in EVAL_METRIC if self.task in METRICS[m].tasks]
            raise CandidateError(f"xgboost_tuned: metric '{self.metric}' cannot validate a {self.task} target; "
                                 f"expected one of {', '.join(usable)}.")
        self.sign = -1.0 if METRICS[self.metric].higher_is_better else 1.0
        k = cand.folds or (3 if len(actual) >= cand.LARGE_ROWS else 5)
        self.folds, self.validation = make_folds(actual, k, seed, task=self.task, time_order=frame.train_time,
                                                 groups=getattr(frame, "train_groups", None))
        self.forward = self.validation.startswith("forward")
        self.base_kw = {"objective": objective(frame), "random_state": seed, "n_jobs": budget.threads,
                        "tree_method": "hist", **category_kw(cand.design_), **cand.params}
        self.reason = objective_reason(frame)
        self.space = Space(self.task, actual, self.base_kw["objective"], cand.params)
        self.workers = max(1, int(cand.workers or budget.workers or 1))
        self.started = time.monotonic()
        self.window = budget.remaining()
        self.reserve = 0.5 + 0.03 * self.window
        self.n_predict = len(frame.holdout)
        self.trials: list[Trial] = []
        self.told = 0
        self.best_told = float("inf")
        self.best_folds: list[float] = []
        self.gain_at = 0
        self.stopped_by = "box"
        self.isolation = ""
        lineage = {"target": frame.problem.target, "features": list(frame.features)}
        self.memory = Memory.of(self, lineage) if getattr(cand, "remember", True) else None
        self.warm = self.memory.previous_best() if self.memory is not None else None

    # -- the loop -------------------------------------------------------------------------------------------
    def run(self) -> Trial:
        """Run trials until the box (less the refit margin) is spent or ``max_trials`` is reached."""
        import optuna

        from bakeoff.candidates.isolation import run_isolated, share

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.TPESampler(seed=self.seed, multivariate=True, n_startup_trials=8,
                                                 constant_liar=self.workers > 1)
        study = optuna.create_study(direction="minimize", sampler=sampler)
        for start in self.space.starts():
            study.enqueue_trial(start)
        if self.warm is not None:  # the previous sprint's best settings, tried right after the starting points
            study.enqueue_trial(self.warm["params"])
        self.isolation = self.budget.isolation
        data = share((self.X, self.y, self.folds), self.isolation)
        pending: dict[Future, tuple[Trial, Any]] = {}
        asked: dict[int, Any] = {}
        with (ThreadPoolExecutor(self.workers) if self.workers > 1 else _Inline()) as pool:
            while True:
                while self._may_ask() and self._tell_upto(study, asked, len(self.trials) - self.workers) and (
                        job := self._next(study)) is not None:
                    trial, ask, box = job
                    asked[trial.number] = ask
                    fut = pool.submit(run_isolated, cv_trial, (*data, trial.kw, self.task, self.metric), box,
                                      method=self.isolation)
                    pending[fut] = (trial, ask)
                if not pending:
                    break
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    trial, _ask = pending.pop(fut)
                    self._finish(trial, fut.result())
                    self._report()
        return self._choose()

    def _may_ask(self) -> bool:
        """Trial ``k`` may start once trials ``0 .. k - workers`` have finished (a sliding window)."""
        done = next((i for i, t in enumerate(self.trials) if t.state == "RUNNING"), len(self.trials))
        return len(self.trials) - self.workers < done

    def _tell_upto(self, study: Any, asked: dict[int, Any], last: int) -> bool:
        """Tell Optuna trials up to ``last`` in trial order, and none after it (always True).

        Telling lazily, just before trial ``last + workers`` is asked, makes the sampler's
        history at every ask the same whatever order the trials finished in.
        """
        import optuna

        while self.told <= last:
            trial = self.trials[self.told]
            ask = asked.pop(trial.number, None)
            ok = trial.state == "COMPLETE"
            if ask is not None:
                study.tell(ask, trial.loss if ok else None,
                           state=optuna.trial.TrialState.COMPLETE if ok else optuna.trial.TrialState.FAIL)
            if ok and self.gains(trial):
                self.gain_at = trial.number
            if ok and trial.loss < self.best_told:
                self.best_told, self.best_folds = trial.loss, trial.fold_losses
            self.told += 1
        return True

    def gains(self, trial: Trial) -> bool:
        """Whether ``trial`` improves on the best told trial by more than the cross-validation can tell apart.

        A gain counts when it exceeds ``settle_gain`` of the best loss **and** ``settle_noise`` standard
        errors of the paired fold differences (the same folds score both trials, so the fold-to-fold
        spread of their difference is the noise of the comparison). This is the one-standard-error idea of
        Breiman et al. (1984, *Classification and Regression Trees*, §3.4) and Hastie, Tibshirani & Friedman
        (2009, *The Elements of Statistical Learning*, §7.10): on a small frame, where TPE keeps finding
        "improvements" of a fraction of a percent that the folds cannot separate, the search settles instead
        of filling its box, and the tuned model no longer depends on how many trials this machine fits in.
        """
        if not np.isfinite(self.best_told):
            return True
        gain = self.best_told - trial.loss
        if gain <= self.cand.settle_gain * abs(self.best_told):
            return False
        if self.cand.settle_noise <= 0 or len(self.best_folds) != len(trial.fold_losses):
            return True
        paired = np.asarray(self.best_folds) - np.asarray(trial.fold_losses)
        if len(paired) < 2 or not np.all(np.isfinite(paired)):
            return True
        noise = float(np.std(paired, ddof=1) / np.sqrt(len(paired)))
        return gain > self.cand.settle_noise * noise

    def _settled(self) -> bool:
        """``settle`` told trials in a row without a gain of ``settle_gain`` (0: never; not before a success)."""
        return (bool(self.cand.settle) and bool(np.isfinite(self.best_told))
                and self.told - 1 - self.gain_at >= self.cand.settle)

    def _next(self, study: Any) -> tuple[Trial, Any, float] | None:
        """The next trial to start and its box, or None when the box or ``max_trials`` says stop."""
        if self.cand.max_trials is not None and len(self.trials) >= self.cand.max_trials:
            self.stopped_by = "max_trials"
            return None
        if self._settled():
            self.stopped_by = "settled"
            return None
        left = self._stop_at() - time.monotonic()
        done = [t.seconds for t in self.trials if t.state == "COMPLETE"]
        if left < max(MIN_TRIAL_S, 0.5 * float(np.median(done)) if done else 0.0):
            self.stopped_by = "box"
            return None
        number = len(self.trials)
        if number == 0:
            trial, asked = Trial(0, "default", dict(self.base_kw), early_stop=False), None
        else:
            asked = study.ask()
            params = {**self.space.suggest(asked), **self.cand.params}
            kw = {**self.base_kw, **params, "n_estimators": self.cand.max_rounds,
                  "early_stopping_rounds": self.cand.patience, "eval_metric": EVAL_METRIC[self.metric]}
            trial = Trial(number, "search", kw, early_stop=True, params=params)
        self.trials.append(trial)
        return trial, asked, min(left, self._trial_cap())

    def _report(self) -> None:
        """Tell the live display the trials so far and the best validation score."""
        best = self._ranked()
        report = getattr(self.budget, "report", None)
        if report is not None:
            report(trials=len(self.trials), best=best[0].value if best else None)

    def _stop_at(self) -> float:
        """When the last trial must end: the deadline less the reserve and the measured refit margin."""
        best = self._ranked()
        margin = MARGIN_SAFETY * (best[0].refit_s + best[0].predict_s) + 0.2 if best else 0.1 * self.window
        return self.budget.deadline - self.reserve - margin

    def _trial_cap(self) -> float:
        """One trial's box: ``trial_timeout``, else a third of the tuning window (at least ten default trials)."""
        if self.cand.trial_timeout:
            return float(self.cand.trial_timeout)
        default = self.trials[0].seconds if self.trials and self.trials[0].state == "COMPLETE" else 0.0
        return max(self.window / 3.0, 10.0 * default)

    def _finish(self, trial: Trial, out: Any) -> None:
        got = out.value if isinstance(out.value, dict) else {}
        trial.seconds = out.elapsed
        value = got.get("value")
        if out.status is Status.OK and value is not None and np.isfinite(value):
            n = len(self.y)
            trial.state, trial.value, trial.loss = "COMPLETE", float(value), self.sign * float(value)
            trial.fold_losses = [self.sign * float(v) for v in got.get("folds", [])]
            trial.refit_rounds = (refit_rounds(got, n, forward=self.forward, cap=self.cand.max_rounds)
                                  if trial.early_stop else int(got["rounds"][0]))
            trial.refit_s = refit_seconds(got, n, trial.refit_rounds)
            trial.predict_s = predict_seconds(got, self.n_predict, trial.refit_rounds)
        else:
            trial.state = "TIMEOUT" if out.status is Status.TIMEOUT else "FAIL"
            trial.why = out.message or str(got.get("message", "no finite validation score"))[:200]

    # -- the choice -----------------------------------------------------------------------------------------
    def _ranked(self) -> list[Trial]:
        return sorted((t for t in self.trials if t.state == "COMPLETE"), key=lambda t: (t.loss, t.number))

    def _choose(self) -> Trial:
        """The best trial whose refit fits in the time left; the library default when none does."""
        left = self.budget.deadline - time.monotonic() - self.reserve
        ranked = self._ranked()
        for trial in ranked:
            if (trial.refit_s + trial.predict_s) * 1.2 <= left:
                return trial
        default = self.trials[0] if self.trials else None
        if default is not None and default.state == "COMPLETE":
            return default
        return Trial(0, "default", dict(self.base_kw), early_stop=False, why="no trial completed")

    def recall(self) -> dict[str, Any] | None:
        """This very search, kept by an earlier run (see :mod:`baselines.xgb_memory`), or None.

        None too when this run's box is shorter than the search took then: a cold search would be cut.
        """
        study = self.memory.recall() if self.memory is not None else None
        if study is None or self.budget.remaining() < float(study.get("fit", [0.0])[0]):
            return None
        return study

    def remember(self, chosen: Trial, summary: dict[str, Any], model: Any, fit: tuple[float, float]) -> None:
        """Keep a search that ended on its own, with its refit model and the (wall, CPU) seconds of the whole fit."""
        if self.memory is None or self.stopped_by not in KEPT:
            return
        searched = {k: v for k, v in chosen.params.items() if k not in self.cand.params} \
            if chosen.kind == "search" else {}
        entry = {"summary": summary, "kw": chosen.kw, "early_stop": chosen.early_stop,
                 "refit_rounds": chosen.refit_rounds, "fit": list(fit)}
        self.memory.remember(entry, bytes(model.get_booster().save_raw("ubj")), searched)

    def summary(self, chosen: Trial) -> dict[str, Any]:
        """What the report shows: objective and why, validation, default vs chosen, trials, stop reason."""
        best = chosen if chosen.state == "COMPLETE" else None
        default = self.trials[0] if self.trials and self.trials[0].state == "COMPLETE" else None
        states = [t.state for t in self.trials]
        reason = self.reason
        if self.space.choose_objective:
            reason = ("non-negative target: squared error or Tweedie (variance power searched), chosen on "
                      f"validation; chose {chosen.kw['objective']}")
        return {
            "objective_reason": reason, "validation": self.validation, "metric": self.metric,
            "isolation": self.isolation, "workers": self.workers, "trials": len(self.trials),
            "trials_complete": states.count("COMPLETE"), "trials_timeout": states.count("TIMEOUT"),
            "trials_failed": states.count("FAIL"), "stopped_by": self.stopped_by,
            "tuning_s": round(time.monotonic() - self.started, 3),
            "refit_margin_s": round(MARGIN_SAFETY * best.refit_s, 3) if best else None,
            "predict_margin_s": round(MARGIN_SAFETY * best.predict_s, 3) if best else None,
            "default_cv": default.value if default else None,
            "best_cv_loss": best.value if best else None, "best_trial": best.number if best else None,
            "best_params": dict(best.params) if best else {},
            "refit_rounds": best.refit_rounds if best and best.early_stop else None,
            "history": [t.record() for t in self.trials],
            **({"warm_start": {"from": self.warm["created"], "params": self.warm["params"]}} if self.warm else {}),
        }
