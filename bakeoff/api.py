"""The public surface: :func:`run`, :func:`validate` and :func:`prepare`.

The command line (:mod:`bakeoff.cli`) and notebooks call the same three functions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, Unpack

from bakeoff.candidates.champion import TARGET as CHAMPION
from bakeoff.candidates.checks import check_candidates, leakage_warnings
from bakeoff.candidates.registry import Spec, resolve_ladder
from bakeoff.climb.checkpoint import Checkpoint, run_key
from bakeoff.climb.earlystop import EarlyStop
from bakeoff.climb.earlystop import for_experiment as early_stop_for
from bakeoff.climb.ladder import Climbed, ClimbPlan, Progress, climb, workers_of
from bakeoff.climb.prepare import load, prepare
from bakeoff.climb.reserve import finishing_reserve
from bakeoff.climb.worker import new_row
from bakeoff.config.experiment import Experiment, load_experiment
from bakeoff.core.defaults import DEFAULT_DB
from bakeoff.core.errors import Interrupted
from bakeoff.core.records import Finished, Row, Status
from bakeoff.data.drift import drift_flags, frame_profile
from bakeoff.data.frame import Frame
from bakeoff.data.sources import data_hash
from bakeoff.judge.scoring import metric_names
from bakeoff.judge.table import tabulate
from bakeoff.report.result import Result, RunFacts
from bakeoff.store.champion import champion_specs
from bakeoff.store.track import require_mlflow

__all__ = ["RunOptions", "Validation", "prepare", "run", "validate"]


@dataclass(frozen=True)
class Validation:
    """What :func:`validate` found: the experiment, its frame and its ladder, and a one-paragraph summary."""

    experiment: Experiment
    frame: Frame
    ladder: tuple[Spec, ...]
    origin: str

    @property
    def summary(self) -> str:
        """The line ``bakeoff validate`` prints, plus the training/holdout dates when the split is by time."""
        frame = self.frame
        text = (f"OK — {frame.problem.kind} problem, target '{frame.problem.target}', {len(frame.train):,} training /"
                f" {len(frame.holdout):,} holdout rows, {len(frame.features)} features, {len(self.ladder)} candidates.")
        return f"{text}\n{frame.problem.dates}" if frame.problem.dates else text


def validate(config: str | Path | Experiment) -> Validation:
    """Check a config and its data and run nothing.

    Args:
        config: an experiment TOML path or a loaded :class:`~bakeoff.config.experiment.Experiment`.

    Returns:
        The loaded experiment, its frame and its resolved ladder.

    Raises:
        BakeoffError: a :class:`~bakeoff.core.errors.ConfigError` or :class:`~bakeoff.core.errors.DataError` naming the
            file, field or column at fault.
    """
    from bakeoff.candidates.checks import check_candidates
    from bakeoff.candidates.registry import resolve_ladder
    exp = config if isinstance(config, Experiment) else load_experiment(config)
    require_mlflow(exp.track)
    specs = resolve_ladder(exp)  # candidate parameters first: no data needed
    frame, origin = prepare(exp)
    check_candidates(specs, frame)
    return Validation(experiment=exp, frame=frame, ladder=tuple(specs), origin=origin)


class RunKeywords(TypedDict, total=False):
    """The keyword arguments of :func:`run` (see :class:`RunOptions` for what each means)."""

    timebox: str | float | None
    seed: int | None
    out: str | Path | None
    engine: str | None
    progress: Progress | bool | None
    workers: int | None
    write: bool
    resume: bool
    checkpoint_dir: str | Path | None
    history: str | Path | None
    started: float | None


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """How to run a bake-off, beside its config.

    Attributes:
        timebox, seed: Override ``[timebox].total`` (``"2m"``, seconds) and ``[experiment].seed``.
        out: Output folder (default ``runs/<name>/<timestamp>/``).
        engine, workers: Override ``[executor].engine`` (local, inline, ray) and ``.workers``.
        progress: True (default): plain log lines on stderr, one per candidate started and finished (a live
            display inside Jupyter); False: silent; a callable gets every event (see :mod:`bakeoff.report.live`).
        write: Write the run folder (results.json, tradeoff.csv, reports).
        resume: Reuse candidates finished by an earlier, interrupted run of the same config.
        checkpoint_dir: Where finished candidates are persisted (default ``runs/<name>/``).
        history: The DuckDB run-history file a written run is recorded in (None: not recorded).
        started: The ``time.monotonic()`` reading the box counts from (default: now; the CLI passes its
            process start): loading, candidates, scoring, reports and history all fit in the box.
    """

    timebox: str | float | None = None
    seed: int | None = None
    out: str | Path | None = None
    engine: str | None = None
    progress: Progress | bool | None = True
    workers: int | None = None
    write: bool = True
    resume: bool = False
    checkpoint_dir: str | Path | None = None
    history: str | Path | None = DEFAULT_DB
    started: float | None = None

    @property
    def history_path(self) -> Path | None:
        """The run-history file, or None when runs are not recorded."""
        return Path(self.history) if self.history else None


@dataclass
class _Session:
    """What one run carries from loading the data to writing its folder."""

    exp: Experiment
    frame: Frame
    origin: str
    specs: list[Spec]
    names: tuple[str, ...]
    notes: list[str]
    reserve: float
    stop: EarlyStop | None
    key_data: str
    started: float
    warming: Any
    progress: Progress


def run(config: str | Path | Experiment, **options: Unpack[RunKeywords]) -> Result:
    """Run a bake-off and return its :class:`Result` (also written to ``out`` unless ``write=False``).

    Args:
        config: A TOML path or a loaded :class:`Experiment`.
        **options: Any field of :class:`RunOptions` (``timebox="2m"``, ``seed=7``, ``write=False`` ...).

    Raises:
        Interrupted: After Ctrl-C during the climb, once the partial result has been written
            (``exc.result``, ``exc.out_dir``; finish it with ``resume=True``).
    """
    opts = RunOptions(**options)
    session = _open(config, opts)
    exp = session.exp
    ckpt, done = _checkpoint(exp, session.key_data, opts.resume, opts.checkpoint_dir)
    interrupted = False
    try:
        plan = ClimbPlan(stop=session.stop, done=done, save=ckpt.save,
                         deadline=session.started + exp.timebox.total - session.reserve)
        climbed = climb(exp, session.frame, session.specs, session.progress, plan)
    except Interrupted as exc:
        climbed, interrupted = Climbed(exc.rows, exc.blobs), True
    result = _finish(session, climbed, opts, interrupted=interrupted)
    if interrupted:
        raise Interrupted(f"interrupted (Ctrl-C){_partial(result)}; finish it with --resume", climbed.rows, result,
                          result.out_dir)
    ckpt.clear()
    return result


def _open(config: str | Path | Experiment, opts: RunOptions) -> _Session:
    """Load the config and the data, and ready the ladder: everything before the climb."""
    exp = with_overrides(config, opts.timebox, opts.seed, opts.engine, opts.workers)
    require_mlflow(exp.track)
    specs = resolve_ladder(exp)  # candidate parameters are checked before the data is loaded
    started = time.monotonic() if opts.started is None else opts.started
    progress = _progress(opts.progress)
    warming = _warm_up(exp, opts.write)
    frame, origin = load(exp, progress)
    specs, notes = _with_champion(exp, specs, opts.history)
    names = metric_names(frame.problem, exp.score.primary, exp.score.metrics)
    reserve = finishing_reserve(frame, names, len(specs), exp.score.bootstrap, exp.score.confidence,
                                exp.timebox.total)
    stop = _early_stop(exp, frame, names[0], specs)
    check_candidates(specs, frame)
    key_data = data_hash(frame.train) + data_hash(frame.holdout)
    return _Session(exp, frame, origin, specs, names, notes, reserve, stop, key_data, started, warming, progress)


def _with_champion(exp: Experiment, specs: list[Spec], history: str | Path | None) -> tuple[list[Spec], list[str]]:
    """The ladder with last sprint's champion first (``[ladder] champion``), and what to say about it."""
    champions, notes = champion_specs(exp, Path(history) if history else None)
    return [Spec(n, CHAMPION, p, rung) for n, p, rung in champions] + specs, notes


def _partial(result: Result) -> str:
    return f"; partial result in {result.out_dir}" if result.out_dir else ""


def _finish(session: _Session, climbed: Climbed, opts: RunOptions, *, interrupted: bool) -> Result:
    """Score the climb, watch the data, write the run folder, record and track it (all inside the box)."""
    exp, frame, progress = session.exp, session.frame, session.progress
    progress("phase", {"text": "scoring (bootstrap)"})
    rows = climbed.rows
    judged = tabulate(exp, frame, rows, session.names, climbed.blobs)
    profile, drift, drift_notes = watch_data(exp, frame, opts.history_path)
    facts = RunFacts(origin=session.origin, leakage=leakage_warnings(exp, frame), data_hash=session.key_data,
                     workers=1 if session.stop is not None else workers_of(exp.executor.workers, exp.executor.engine),
                     profile=profile, drift=drift, notes=[*frame.notes, *session.notes, *drift_notes],
                     reserve_s=session.reserve, started_at=session.started)
    result = Result.assemble(exp, frame, judged, facts)
    if opts.write:
        if session.warming is not None:
            session.warming.join()  # pyplot half-imported by the warm-up thread must not be imported again here
        _write(result, opts.out, None if interrupted or harness_failed(rows) else opts.history, progress)
        if exp.track.mlflow and not interrupted:
            track(result)
    result.wall_s = time.monotonic() - session.started
    progress("end", {})
    return result


def _checkpoint(exp: Experiment, key_data: str, resume: bool,
                checkpoint_dir: str | Path | None) -> tuple[Checkpoint, dict[str, Finished]]:
    """The run's checkpoint and the rows it holds (when resuming; otherwise it is cleared)."""
    ckpt = Checkpoint.for_run(exp, run_key(exp, key_data), Path(checkpoint_dir) if checkpoint_dir else None)
    if resume:
        return ckpt, ckpt.load()
    ckpt.clear()
    return ckpt, {}


def with_overrides(config: str | Path | Experiment, timebox: str | float | None, seed: int | None,
                    engine: str | None, workers: int | None = None) -> Experiment:
    """The experiment, with the command line's overrides applied (validated again)."""
    exp = config if isinstance(config, Experiment) else load_experiment(config)
    if all(v is None for v in (timebox, seed, engine, workers)):
        return exp
    from bakeoff.config.experiment import experiment_from_dict

    raw = exp.model_dump(exclude={"path"}, exclude_none=True)
    if "per_candidate" not in exp.timebox.model_fields_set:  # the default is not the user's: don't check it
        raw["timebox"].pop("per_candidate", None)
    return experiment_from_dict(raw, path=exp.path, timebox=timebox, seed=seed, engine=engine, workers=workers)


def _early_stop(exp: Experiment, frame: Frame, primary: str, specs: list[Spec]) -> EarlyStop | None:
    """The ladder's early stop (``[ladder].early_stop``), decided on an inner split of train, or None."""
    if not exp.ladder.early_stop:
        return None
    ladder = [(r.name, r.rung, r.family) for r in map(new_row, specs)]
    return early_stop_for(exp, frame, primary, ladder)


def _write(result: Result, out: str | Path | None, history: str | Path | None, progress: Progress) -> None:
    """Write the run folder, and record the run in ``history`` (None: not recorded)."""
    from bakeoff.report.files import write_outputs

    progress("phase", {"text": "writing reports"})
    result.out_dir = write_outputs(result, out)
    if history:
        from bakeoff.store.history import record

        result.run_id = record(result, Path(history))


def _progress(wanted: Progress | bool | None) -> Progress:
    """The progress callback: the caller's own, silence (False), or the default display (True / None).

    The default shows a live display inside Jupyter and, from a script, the same plain log lines as the
    command line piped to a file (on stderr, so a script's own output stays clean).
    """
    if callable(wanted):
        return wanted
    if wanted is False:
        return lambda *_: None
    import sys

    from rich.console import Console

    from bakeoff.report.live import LiveProgress, LogProgress

    if "ipykernel" in sys.modules:
        return LiveProgress(Console())
    return LogProgress(Console(stderr=True, highlight=False))


def _warm_up(exp: Experiment, write: bool) -> Any:
    """Start the worker pool's forkserver, and import matplotlib for the report, while the data loads.

    Returns:
        The thread importing matplotlib (join it before drawing), or None.
    """
    if exp.executor.engine == "local":
        from bakeoff.climb.executor import warm_up

        warm_up(exp.executor.threads)
    if write:
        import importlib
        import threading

        def imports() -> None:
            for name in ("matplotlib.pyplot", "scipy.stats"):  # the report's plots, the scoring's ranks
                importlib.import_module(name)

        thread = threading.Thread(target=imports, daemon=True)
        thread.start()
        return thread
    return None


def harness_failed(rows: list[Row]) -> bool:
    """True when every candidate that ran FAILED because its worker died (not because of the candidate)."""
    ran = [r for r in rows if r.status is not Status.SKIPPED]
    return bool(ran) and all(r.status is Status.FAILED and r.message.startswith("the worker ") for r in ran)


def track(result: Result) -> None:
    """Log the written run to MLflow; a tracking server that fails becomes a note, never a lost run."""
    from bakeoff.store.track import log_result

    uri = result.experiment.track.mlflow
    try:
        parent = log_result(result, result.experiment.track)
    except Exception as exc:  # noqa: BLE001 - the run is written; say what went wrong
        result.notes.append(f"MLflow: logging to {uri} failed: {type(exc).__name__}: {str(exc)[:200]}")
        return
    result.notes.append(f"MLflow: logged parent run {parent} with one nested run per candidate to {uri}.")


def watch_data(exp: Experiment, frame: Frame,
               db: Path | None) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """The data profile of this run, the drift flags and a note on what they were compared with."""
    from bakeoff.store.history import previous_profile

    profile = frame_profile(frame.train, frame.holdout)
    if not exp.checks.drift:
        return profile, [], []
    prev = previous_profile(exp.name, db) if db else None
    within = exp.problem.kind != "customer_base"  # its training features are cut earlier on purpose
    notes = [f"Data drift: compared with the previous run {prev[0]}" + (" and holdout with train." if within else ".")
             if prev else f"Data drift: no previous run of {exp.name} in the history"
             + ("; holdout compared with train only." if within else "; nothing to compare with yet.")]
    flags = drift_flags(frame.train, frame.holdout, profile, prev[1] if prev else None, exp.checks, within)
    return profile, flags, notes
