"""Ladder early stop, decided on the training data only (never the holdout).

With ``[ladder] early_stop = true`` every candidate below the top rung group is also fitted on
an inner training split of ``train`` (75%, seeded; the latest 25% by time for time splits) and
scored on the remaining 25%. The decision reads those inner scores through the same judgement
as the table (:mod:`bakeoff.judge.maxt`): a rung group **misses** when the evidence shows that none
of its candidates beats the best so far by more than the margin (the upper simultaneous bound
of every improvement is at most the margin). Two successive misses stop the climb; the
remaining candidates are SKIPPED "not evaluated: early stop". The burden of proof is on
stopping: a rung the inner split cannot judge keeps the climb going, and a rung where nothing
finished does not count at all. Candidates of one family (default and tuned XGBoost) share one
decision, so the default model never gates its tuned version.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from bakeoff.candidates.metrics import METRICS, Metric
from bakeoff.config.experiment import Experiment
from bakeoff.data.frame import Frame
from bakeoff.judge.choice import tolerance_for
from bakeoff.judge.scoring import score_all

INNER_SHARE = 0.25


def inner_frame(frame: Frame, seed: int) -> tuple[Frame, np.ndarray]:
    """An inner train / validation split of ``frame.train`` and the validation target.

    Customer-base frames keep their training rows (features as of the earlier cut-off, target
    over the label window): the inner problem's horizon is the label window itself, so no
    horizon scaling applies inside it.
    """
    n = len(frame.train)
    y = frame.y_train.to_numpy(dtype=float)
    rng = np.random.default_rng([seed, 0x1EA4])
    if frame.train_time is not None and len(np.unique(frame.train_time)) > 1:  # one date: not an order
        order = np.argsort(frame.train_time, kind="stable")
        val = order[n - max(1, int(round(n * INNER_SHARE))):]
    elif frame.problem.task == "binary":
        val = np.concatenate([rng.permutation(np.flatnonzero(y == v))[:max(1, int(round((y == v).sum()
                                                                                        * INNER_SHARE)))]
                              for v in (0.0, 1.0)])
    else:
        val = rng.permutation(n)[:max(1, int(round(n * INNER_SHARE)))]
    mask = np.zeros(n, dtype=bool)
    mask[val] = True
    problem = frame.problem
    if problem.kind == "customer_base" and problem.label_weeks:
        problem = dataclasses.replace(problem, horizon_weeks=problem.label_weeks)
    time = frame.train_time[~mask] if frame.train_time is not None else None
    inner = Frame(problem, frame.train[~mask], frame.train.loc[mask, list(frame.features)], frame.features,
                  None, None, time)
    return inner, y[mask]


def decision_groups(names: list[str], rungs: list[int], families: list[str]) -> dict[str, int]:
    """Each candidate's decision rung: the lowest rung of its family (tuned and default XGBoost share).

    Never below an earlier candidate's in ladder order, so the groups are climbed in order.
    """
    low: dict[str, int] = {}
    for r, fam in zip(rungs, families, strict=True):
        low[fam] = min(low.get(fam, r), r)
    out, floor = {}, -1
    for n, f in zip(names, families, strict=True):
        floor = max(floor, low[f])
        out[n] = floor
    return out


def for_experiment(exp: Experiment, frame: Frame, primary: str, ladder: list[tuple[str, int, str]]) -> EarlyStop:
    """The early stop of a run: inner split, margin (``[ladder] margin`` or the choice tolerance), groups.

    Args:
        exp: The experiment.
        frame: The run's frame (only its training part is used).
        primary: The primary metric's name.
        ladder: (name, rung, family) of every candidate in ladder order.
    """
    inner, y = inner_frame(frame, exp.seed)
    if exp.ladder.margin is not None:
        margin, relative = exp.ladder.margin, False
    else:
        margin, relative = tolerance_for(primary, exp.choose)
    groups = decision_groups([n for n, _, _ in ladder], [r for _, r, _ in ladder], [f for _, _, f in ladder])
    return EarlyStop(METRICS[primary], y, margin, rounds=exp.score.bootstrap, confidence=exp.score.confidence,
                     seed=exp.seed, relative=relative, frame=inner, groups=groups)


@dataclass
class EarlyStop:
    """Tracks inner-validation predictions per decision rung while the ladder is climbed.

    Attributes:
        metric: The primary metric.
        y: The inner validation target (training rows only).
        margin: The improvement a rung must be able to show, in the metric's units (or, with
            ``relative``, as a share of the best inner value so far).
        rounds: Bootstrap resamples of the inner validation rows.
        confidence: Simultaneous confidence of the comparisons.
        seed: Seed of the resamples.
        frame: The inner frame candidates are fitted on (None in unit tests).
        groups: Candidate name -> decision rung (see :func:`decision_groups`).
    """

    metric: Metric
    y: np.ndarray
    margin: float
    rounds: int
    confidence: float
    seed: int
    relative: bool = False
    frame: Frame | None = None
    groups: dict[str, int] = field(default_factory=dict)
    patience: int = 2
    best: str | None = None
    preds: dict[str, np.ndarray] = field(default_factory=dict)
    rung: int | None = None
    current: list[str] = field(default_factory=list)
    misses: list[int] = field(default_factory=list)
    why: str = ""

    def needs_inner(self, name: str) -> bool:
        """True when ``name``'s inner score can still matter (it is below the top decision rung)."""
        return bool(self.groups) and self.groups[name] < max(self.groups.values())

    def observe(self, name: str, inner_predictions: np.ndarray | None) -> float | None:
        """Record a finished candidate of the current rung (None: no inner score, does not count).

        Returns:
            Its primary metric on the inner validation split, or None.
        """
        if inner_predictions is None or not np.isfinite(inner_predictions).all():
            return None
        self.preds[name] = np.asarray(inner_predictions, dtype=float)
        self.current.append(name)
        return self.metric(self.y, self.preds[name])

    def before(self, rung: int) -> str | None:
        """Called before each candidate with its decision rung: the reason to skip it, or None."""
        if self.rung is not None and rung != self.rung:
            self._close_rung()
        self.rung = rung
        if len(self.misses) < self.patience:
            return None
        return self.why

    def _close_rung(self) -> None:
        names, self.current = self.current, []
        if not names:
            return  # nothing finished on this rung: it does not count
        if self.best is None:
            self.best = self._best_of(names)
            return
        family = (self.best, *names)
        scores = score_all(self.y, {n: self.preds[n] for n in family}, (self.metric.name,), rounds=self.rounds,
                           confidence=self.confidence, seed=self.seed)
        j = scores.judge(family)
        best_value = scores.metrics[self.best][self.metric.name]
        margin = self.margin * abs(best_value) if self.relative else self.margin
        # improvement of k over the best so far, utility units: interval of u_k - u_best
        highs = [j.sign * j.interval(i, 0)[2 if j.sign > 0 else 1] for i in range(1, len(family))]
        if all(np.isfinite(highs)) and max(highs) <= margin:
            self.misses.append(self.rung if self.rung is not None else -1)
        else:
            self.misses.clear()
        self.best = self._best_of(list(family))
        if len(self.misses) >= self.patience:
            a, b = self.misses[-2], self.misses[-1]
            value = scores.metrics[self.best][self.metric.name]
            self.why = (f"not evaluated: early stop (on an inner validation split of the training data, rungs {a} "
                        f"and {b} were shown not to beat the best so far, {self.best} with {self.metric.label} "
                        f"{value:.4g}, by more than {margin:.3g})")

    def _best_of(self, names: list[str]) -> str:
        values = {n: self.metric(self.y, self.preds[n]) for n in names}
        key = (lambda n: -values[n]) if self.metric.higher_is_better else (lambda n: values[n])
        return min(names, key=key)
