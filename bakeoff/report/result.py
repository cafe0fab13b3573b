"""The Result of a bake-off: rows, the flat table, the choice, and its JSON form."""

from __future__ import annotations

import datetime as dt
import platform
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bakeoff.config.experiment import Experiment
from bakeoff.core.jsonable import plain
from bakeoff.core.records import Row
from bakeoff.data.frame import Frame, Problem
from bakeoff.judge.table import Judged

PACKAGES = ("bakeoff", "numpy", "pandas", "scipy", "duckdb", "scikit-learn", "xgboost", "statsmodels",
            "lifetimes", "optuna")


def environment() -> dict[str, Any]:
    """Python, package versions and CPU, for the reproducibility footer."""
    pkgs = {}
    for name in PACKAGES:
        try:
            pkgs[name] = version(name)
        except PackageNotFoundError:
            pkgs[name] = None
    import os

    return {"python": platform.python_version(), "packages": pkgs,
            "cpu": {"machine": platform.machine(), "processor": platform.processor() or platform.machine(),
                    "count": os.cpu_count()}, "platform": platform.platform()}


@dataclass(frozen=True)
class RunFacts:
    """What a run knows beside its judged climb when the result is assembled."""

    origin: str  # where the data came from
    workers: int
    leakage: list[str]
    data_hash: str
    profile: dict[str, Any]  # the data profile of this run
    drift: list[dict[str, Any]]  # drift flags
    notes: list[str]
    reserve_s: float  # seconds of the box kept for scoring, reports and history
    started_at: float  # time.monotonic() when the box started


@dataclass
class Result:
    """What :func:`bakeoff.run` returns. ``table`` is one row per candidate."""

    experiment: Experiment
    rows: list[Row]
    table: pd.DataFrame
    primary: str
    chosen: str | None
    reason: str
    sentences: list[str]
    origin: str
    wall_s: float
    n_train: int
    n_holdout: int
    problem: Problem
    holdout_y: np.ndarray | None = None
    predictions: dict[str, np.ndarray] = field(default_factory=dict)
    segments: pd.DataFrame | None = None
    segment_notes: list[str] = field(default_factory=list)
    calibration: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    leakage: list[str] = field(default_factory=list)
    data_hash: str = ""
    run_id: str = ""
    models: dict[str, bytes] = field(default_factory=dict, repr=False)
    holdout: pd.DataFrame | None = field(default=None, repr=False)
    train: pd.DataFrame | None = field(default=None, repr=False)
    workers: int = 1
    out_dir: Path | None = None
    profile: dict[str, Any] = field(default_factory=dict, repr=False)
    drift: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    champion: dict[str, Any] | None = None
    alignment: dict[str, Any] | None = None
    value: Any = field(default=None, repr=False)
    reserve_s: float = 0.0
    started_at: float | None = field(default=None, repr=False)
    created: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    @classmethod
    def assemble(cls, exp: Experiment, frame: Frame, judged: Judged, facts: RunFacts) -> Result:
        """The result of a run, built once: the judged climb, what the frame says about the data, and the run's facts.

        Only what the finishing steps learn later is set after: the folder written, the history's run id, the
        final wall time and a note from MLflow.
        """
        return cls(experiment=exp, rows=judged.rows, table=judged.table, primary=judged.primary,
                   chosen=judged.chosen, reason=judged.reason, champion=judged.champion, sentences=judged.sentences,
                   origin=facts.origin, wall_s=time.monotonic() - facts.started_at, workers=facts.workers,
                   leakage=facts.leakage, data_hash=facts.data_hash, profile=facts.profile, drift=facts.drift,
                   notes=facts.notes, reserve_s=facts.reserve_s, started_at=facts.started_at,
                   n_train=len(frame.train), n_holdout=len(frame.holdout),
                   holdout_y=judged.holdout_y, predictions=judged.predictions, problem=frame.problem,
                   segments=judged.segments, segment_notes=judged.segment_notes, calibration=judged.calibration,
                   models=judged.models, holdout=frame.holdout, train=frame.train, value=judged.value,
                   alignment=frame.alignment.to_dict() if frame.alignment else None)

    def to_dict(self) -> dict[str, Any]:
        """The ``results.json`` document (field names are stable)."""
        exp = self.experiment
        return {
            "experiment": exp.name, "seed": exp.seed, "timebox_s": exp.timebox.total,
            "per_candidate_s": exp.timebox.per_candidate, "wall_s": self.wall_s, "created": self.created,
            "reserve_s": self.reserve_s, "train_sample": {"rows": exp.ladder.train_sample,
                                                          "from_rung": exp.ladder.sample_from_rung},
            "data_hash": self.data_hash,
            "problem": {"kind": self.problem.kind, "task": self.problem.task, "target": self.problem.target,
                        "key": self.problem.key, "horizon_weeks": self.problem.horizon_weeks,
                        "label_weeks": self.problem.label_weeks, "source_key": _source_key(exp),
                        "alignment": self.alignment, "labels": self.problem.labels},
            "confidence": exp.score.confidence, "workers": self.workers,
            "data": {"origin": self.origin, "n_train": self.n_train, "n_holdout": self.n_holdout},
            "primary_metric": self.primary,
            "bootstrap_rounds": exp.score.bootstrap, "chosen": self.chosen, "choice_reason": self.reason,
            "sentences": self.sentences, "environment": environment(),
            "candidates": [plain(r.to_json(), finite=True) for r in self.rows],
            "segments": plain(self.segments.to_dict("records"), finite=True) if self.segments is not None else [],
            "segment_notes": self.segment_notes, "leakage_warnings": self.leakage,
            "calibration": plain(self.calibration, finite=True),
            "drift": plain(self.drift, finite=True), "notes": self.notes, "champion": plain(self.champion, finite=True),
            "profile": plain(self.profile, finite=True),
            **({"value": plain(self.value.baselines(), finite=True)} if self.value is not None else {}),
        }

    def scale_notes(self) -> list[str]:
        """What the report says about training samples and the time kept for scoring."""
        lad, notes = self.experiment.ladder, []
        sampled = sorted({r.train_rows for r in self.rows if r.train_rows and r.train_rows < self.n_train})
        if sampled:
            notes.append(f"Rungs {lad.sample_from_rung}+ trained on a seeded sample of {sampled[-1]:,} of the "
                         f"{self.n_train:,} training rows, stratified by the target ([ladder] train_sample); "
                         "every candidate predicted all holdout rows.")
        per = self.experiment.timebox.per_candidate
        for r in self.rows:
            if r.box_s is not None and r.box_s > per + 0.5:
                notes.append(f"{r.name} searches until it settles or its box is spent, so it had a box of "
                             f"{r.box_s:.0f}s ({self._tuner_source()}); every other candidate at most "
                             f"{per:g}s ([timebox] per_candidate).")
        cached = [r.name for r in self.rows if r.probe_cached]
        if cached:
            notes.append(f"Cost timings at other sizes for {len(cached)} of {sum(r.ok for r in self.rows)} candidates "
                         "were reused from an earlier run with the same candidate, data, library versions and "
                         "machine ([cost] probe_cache = false measures them again).")
        estimated = [r.name for r in self.rows if r.ok and r.cost is not None and r.cost.estimated]
        if estimated:
            notes.append(f"† estimated (small data): {', '.join(estimated)}. The per-row part of the running cost "
                         "never showed at the sizes the cost probes could afford (max(1 s, 10% of the candidate's "
                         "fit + predict)), or the largest size was cut there; the figure extrapolates from the "
                         "sizes timed.")
        if self.reserve_s:
            notes.append(f"{self.reserve_s:.1f}s of the {self.experiment.timebox.total:g}s box were kept for "
                         "scoring, reports and history (timed on samples of the holdout before the climb).")
        return notes

    def _tuner_source(self) -> str:
        tb = self.experiment.timebox
        return "[timebox] tuner" if tb.tuner is not None else "what was left of the total box when it started"

    def _repr_html_(self) -> str:
        from bakeoff.report import plots

        cols = [c for c in ("rung", "status", "primary", "ci_low", "ci_high", "fit_s", "monthly_usd", "pareto",
                            "chosen") if c in self.table.columns]
        head = f"<p><b>{self.experiment.name}</b> — {self.primary}; {self.reason}</p>"
        table = self.table[cols].to_html(float_format=lambda x: f"{x:.4g}", na_rep="")
        return head + table + plots.svg(plots.frontier(self))

    def plot(self, kind: str = "frontier") -> Any:
        """A matplotlib figure: ``"frontier"`` (accuracy vs cost), ``"fit_times"`` or ``"calibration"``."""
        from bakeoff.report import plots

        makers = {"frontier": plots.frontier, "fit_times": plots.fit_times, "calibration": plots.calibration}
        return makers[kind](self)

    def __repr__(self) -> str:
        ok = sum(r.ok for r in self.rows)
        return (f"Result({self.experiment.name!r}, {len(self.rows)} candidates, {ok} OK, "
                f"chosen={self.chosen!r})")


def _source_key(exp: Experiment) -> str | None:
    """The key column as the source data names it (the entity column for customer-base problems)."""
    return exp.problem.entity if exp.problem.kind == "customer_base" else exp.problem.key
