"""The Candidate contract, the Budget a candidate runs under, and the outcome Status."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import pandas as pd

from bakeoff.core.errors import NotApplicable
from bakeoff.core.records import Status
from bakeoff.core.seeds import derive_seed
from bakeoff.data.frame import Frame, Problem

__all__ = ["Budget", "Candidate", "Status", "derive_seed"]


@dataclass(frozen=True)
class Budget:
    """A hard deadline on the monotonic clock plus the threads a candidate may use.

    ``workers`` is how many processes the candidate may keep busy at once for nested work
    (tuning trials); ``progress`` is the file :meth:`report` appends to for the live display.
    ``isolation`` is how nested work is isolated (the ``method`` of :func:`bakeoff.candidates.isolation.run_isolated`),
    set by the engine that runs the candidate: ``"fork"`` inside a local worker (it has only
    imported its libraries: cheap, the data shared copy-on-write), ``"ray"`` inside a Ray task,
    ``"forkserver"`` when run inline (forking a process whose OpenMP pool already started hangs).
    """

    deadline: float
    threads: int = 1
    workers: int = 1
    progress: str | None = None
    isolation: str = "forkserver"

    @classmethod
    def of(cls, seconds: float, threads: int = 1) -> Budget:
        """A budget that ends ``seconds`` from now."""
        return cls(time.monotonic() + seconds, threads)

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self.deadline - time.monotonic())

    def expired(self) -> bool:
        """True once the deadline has passed."""
        return time.monotonic() >= self.deadline

    def report(self, **fields: Any) -> None:
        """Tell the live display how the fit is going, e.g. ``report(trials=12, best=0.41)``; never raises."""
        if not self.progress:
            return
        import json

        try:
            with open(self.progress, "a", encoding="utf-8") as out:
                out.write(json.dumps(fields, default=float) + "\n")
        except (OSError, TypeError, ValueError):
            pass


@dataclass(frozen=True)
class Capabilities:
    """What a candidate declares beyond fit and predict: the optional class attributes of :class:`Candidate`.

    The runner reads them here and nowhere else. A class that does not subclass :class:`Candidate`
    (any object with ``fit`` and ``predict``) gets the defaults.

    Attributes:
        horizon_native: Its predictions already cover the holdout horizon.
        in_warehouse: Production runs it as warehouse queries (costed on its per-row part).
        fills_box: Its fit time is set by its box (a time-boxed tuner), not by its rows.
        predicts_rowwise: Each prediction depends on its own row alone (a large holdout may be chunked).
        warehouse_timed: It counts its queries' billed seconds in ``query_s_`` (and its fit's in
            ``fit_query_s_``): an ``in_warehouse`` candidate is then costed on those seconds alone.
    """

    horizon_native: bool = False
    in_warehouse: bool = False
    fills_box: bool = False
    predicts_rowwise: bool = False
    warehouse_timed: bool = False

    @classmethod
    def of(cls, cand: Any) -> Capabilities:
        """The capabilities ``cand`` (a class or an instance) declares."""
        declared = {name: bool(getattr(cand, name, False)) for name in
                    ("horizon_native", "in_warehouse", "fills_box", "predicts_rowwise")}
        return cls(**declared, warehouse_timed=declared["in_warehouse"] and hasattr(cand, "query_s_"))

    @staticmethod
    def billed_fit(cand: Any) -> tuple[float, float] | None:
        """The (wall, CPU) seconds to bill for the fit, when the candidate measured them itself (``billed_fit_``).

        A candidate that remembers an expensive search (``xgboost_tuned``) sets it on every fit: what its fit took,
        or, for a fit replayed from an earlier run, what it took when it ran. Each production retrain would pay
        the search, so a warm cache moves no cost, flag or choice; and the first run and the replay bill the same
        figure.
        """
        value = getattr(cand, "billed_fit_", None)
        return (float(value[0]), float(value[1])) if value is not None else None

    @staticmethod
    def validation_build(cand: Any, build: Callable[[], Any]) -> Callable[[], Any]:
        """How the inner validation (the ``[value]`` threshold's 70/30 split of train) builds its fresh instance.

        A fitted candidate that declares ``validation_twin()`` (a tuner) gives an unfitted candidate that fits
        with the settings its search chose, so the inner fit does not repeat the search; any other
        candidate is built afresh by ``build``.
        """
        twin = getattr(cand, "validation_twin", None)
        return twin if callable(twin) else build

    @staticmethod
    def validation_seconds(cand: Any) -> float:
        """Seconds the ``validation_twin`` fit is expected to take (``validation_s_``; 0 when not declared).

        A twin fits without watching the box (the settings are fixed), so the inner validation is skipped
        when less than this is left, rather than let it run the worker past its hard box.
        """
        return float(getattr(cand, "validation_s_", 0.0) or 0.0)


class Candidate:
    """Base class of every candidate.

    Subclasses set the class attributes, keep ``__init__`` to storing
    hyperparameters (keyword-only), learn in :meth:`fit` (fitted attributes end in
    ``_``) and return predictions for ``frame.holdout`` from :meth:`predict`.

    Attributes:
        family: Registry family ("naive", "sql", "glm", "btyd", "tree", "xgboost").
        rung: 0 naive, 1 SQL rule, 2 statistical, 3 trees, 4 boosted, 5 tuned.
        tasks: The tasks (binary, regression, count) the candidate can predict.
        kinds: The problem kinds it accepts.
        horizon_native: True if predictions already cover the holdout horizon; otherwise
            predictions made for the training label window are aligned to it
            (:func:`bakeoff.data.horizon.to_horizon`).
        in_warehouse: True if production runs it as a warehouse query (costed on its per-row part).
        fills_box: True if its fit time is set by its time box rather than by its rows (a
            time-boxed tuner): its fit is not timed again at other sizes for the cost model.
        predicts_rowwise: True if each holdout row's prediction depends on that row alone (the
            fitted model applied row by row): the runner may then predict a large holdout in chunks.
            Rules that look at the whole holdout (quantiles) keep the default.
        summary: One line for ``bakeoff candidates``.

    The optional attributes are read through :class:`Capabilities`; a warehouse candidate that times its
    own queries sets ``query_s_`` (billed seconds of its queries so far) and ``fit_query_s_`` (those of
    its fit); a tuner may define ``validation_twin()`` (an unfitted candidate with the settings it chose,
    for the inner validation of ``[value]``, with ``validation_s_``, the seconds it is expected to take) and set
    ``billed_fit_`` (the seconds to bill for its fit).
    """

    family: ClassVar[str] = ""
    rung: ClassVar[int] = 0
    tasks: ClassVar[tuple[str, ...]] = ("binary", "regression", "count")
    kinds: ClassVar[tuple[str, ...]] = ("binary", "regression", "count", "customer_base")
    horizon_native: ClassVar[bool] = False
    in_warehouse: ClassVar[bool] = False
    fills_box: ClassVar[bool] = False
    predicts_rowwise: ClassVar[bool] = False
    summary: ClassVar[str] = ""

    def __init__(self, **params: Any) -> None:
        self.params = params

    @classmethod
    def passthrough_params(cls, params: dict[str, Any]) -> set[str] | None:
        """The keys a constructor taking ``**params`` hands on to its library (for ``bakeoff validate``).

        Keyword parameters of ``__init__`` are found by themselves; a class whose ``__init__``
        takes ``**params`` says here which names those may be. None (the default): not checked.
        A class that keeps the base ``__init__`` accepts no parameters at all.
        """
        return None

    def check_applicable(self, problem: Problem) -> None:
        """Raise :class:`NotApplicable` if this candidate cannot answer ``problem``."""
        if problem.kind not in self.kinds:
            raise NotApplicable(f"needs a {' or '.join(self.kinds)} problem, not {problem.kind}")
        if problem.task not in self.tasks:
            raise NotApplicable(f"predicts {'/'.join(self.tasks)} targets, not {problem.task}")

    def check_config(self, problem: Problem, name: str) -> None:
        """Refuse parameters that cannot work on ``problem`` before anything fits (``bakeoff validate`` runs it).

        The default accepts everything. A SQL rule parses its SQL here with the placeholders filled in.

        Args:
            problem: The problem the ladder runs on.
            name: The candidate's name in the ladder, for the message.

        Raises:
            ConfigError: Naming the file or the ``[[candidate]]`` table at fault.
        """

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        """Learn from ``frame.train``; must return ``self``."""
        raise NotImplementedError

    def predict(self, frame: Frame) -> pd.Series:
        """Predictions for ``frame.holdout``, indexed like it."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """Fitted parameters, coefficients or SQL text for the report (JSON-friendly)."""
        return {}

