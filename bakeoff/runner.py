"""Climb the ladder: run each candidate under its box, score, cost and tabulate."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bakeoff.candidate import derive_seed
from bakeoff.champion import TARGET as CHAMPION
from bakeoff.champion import champion_specs, verdict
from bakeoff.checkpoint import Checkpoint, run_key
from bakeoff.choice import choose
from bakeoff.climber import Climb, Slot, poll, workers_of
from bakeoff.config import Experiment, load_experiment
from bakeoff.cost import cost_of
from bakeoff.customers import build_customer_frame
from bakeoff.data import connect, data_hash, load_data
from bakeoff.defaults import DEFAULT_DB
from bakeoff.diagnostics import calibration_tables, ranking_flips, segment_scores
from bakeoff.drift import check_expectations, drift_flags, frame_profile
from bakeoff.earlystop import EarlyStop
from bakeoff.earlystop import for_experiment as early_stop_for
from bakeoff.errors import Interrupted, NotApplicable
from bakeoff.executor import NESTED, Launched, Outcome, make_executor, make_launcher, stop_all
from bakeoff.frame import Frame, Problem, build_tabular_frame
from bakeoff.framefile import write_frame
from bakeoff.guards import check_sql_rules, leakage_warnings
from bakeoff.metrics import METRICS
from bakeoff.registry import Spec, resolve_ladder
from bakeoff.result import Result
from bakeoff.row import Row, Status
from bakeoff.sampling import sample_train
from bakeoff.scoring import metric_names, score_all
from bakeoff.track import require_mlflow
from bakeoff.tradeoff import annotate, sentences, to_frame
from bakeoff.wallclock import finishing_reserve
from bakeoff.worker import Task, new_row

MIN_START_S = 0.5
PREDICT_CHUNK_ROWS = 250_000
Progress = Callable[[str, Any], None]
Launch = Callable[[Task, float], Any]
Collect = Callable[[list[Any], float], list[tuple[Any, Any]]]


def prepare(exp: Experiment) -> tuple[Frame, str]:
    """Load the data and build the frame (what ``bakeoff validate`` checks)."""
    if exp.data.engine == "spark":
        from bakeoff.spark import build_spark_frame

        frame, origin = build_spark_frame(exp)
        metric_names(frame.problem, exp.score.primary, exp.score.metrics)
        return frame, origin
    con = connect(exp.data.memory_limit, exp.data.temp_directory)
    try:
        origin = load_data(exp, con)
        build = build_customer_frame if exp.problem.kind == "customer_base" else build_tabular_frame
        frame = build(exp, con, origin)
    finally:
        con.close()
    assert frame.holdout_y is not None
    check_expectations(exp.checks, {"train": frame.train,
                                    "holdout": frame.holdout.assign(**{frame.problem.target: frame.holdout_y})},
                       origin)
    metric_names(frame.problem, exp.score.primary, exp.score.metrics)
    return frame, origin


def run(config: str | Path | Experiment, *, timebox: str | float | None = None, seed: int | None = None,
        out: str | Path | None = None, engine: str | None = None, progress: Progress | None = None,
        workers: int | None = None,
        write: bool = True, resume: bool = False, checkpoint_dir: str | Path | None = None,
        history: str | Path | None = DEFAULT_DB, started: float | None = None) -> Result:
    """Run a bake-off and return its :class:`Result` (also written to ``out`` unless ``write=False``).

    Args:
        config: A TOML path or a loaded :class:`Experiment`.
        timebox: Overrides ``[timebox].total`` (``"2m"``, seconds).
        seed: Overrides ``[experiment].seed``.
        out: Output folder (default ``runs/<name>/<timestamp>/``).
        engine: Overrides ``[executor].engine`` (``local``, ``inline``, ``ray``).
        workers: Overrides ``[executor].workers`` (candidates run at once).
        progress: Called with ("start" | "done", row) per candidate.
        write: Write results.json, tradeoff.csv and report.md.
        resume: Reuse candidates finished by an earlier, interrupted run of the same config.
        checkpoint_dir: Where finished candidates are persisted (default ``runs/<name>/``).
        history: The DuckDB run-history file a written run is recorded in (None: not recorded).
        started: The ``time.monotonic()`` reading the box counts from (the CLI passes its process
            start; default: now). Loading, candidates, scoring, reports and history all fit in the box.

    Raises:
        Interrupted: After Ctrl-C during the climb, once the partial result has been written
            (``exc.result``, ``exc.out_dir``; finish it with ``resume=True``).
    """
    exp = _with_overrides(config, timebox, seed, engine, workers)
    require_mlflow(exp.track)
    specs = resolve_ladder(exp)  # candidate parameters are checked before the data is loaded
    started = time.monotonic() if started is None else started
    progress = progress or _default_progress()
    warming = _warm_up(exp, write)
    frame, origin = _load(exp, progress)
    champions, notes = champion_specs(exp, Path(history) if history else None)
    specs = [Spec(n, CHAMPION, p, rung) for n, p, rung in champions] + specs
    names = metric_names(frame.problem, exp.score.primary, exp.score.metrics)
    reserve = finishing_reserve(frame, names, len(specs), exp.score.bootstrap, exp.score.confidence,
                                exp.timebox.total)
    stop = _early_stop(exp, frame, names[0], specs)
    check_sql_rules(specs, frame)
    key_data = data_hash(frame.train) + data_hash(frame.holdout)
    ckpt, done = _checkpoint(exp, key_data, resume, checkpoint_dir)
    interrupted = False
    try:
        rows = climb(exp, frame, specs, progress, stop, done=done, save=ckpt.save,
                     deadline=started + exp.timebox.total - reserve)
    except Interrupted as exc:
        rows, interrupted = exc.rows, True
    progress("phase", {"text": "scoring (bootstrap)"})
    result = tabulate(exp, frame, rows, names, origin, time.monotonic() - started)
    result.workers = 1 if stop else workers_of(exp.executor.workers, exp.executor.engine)
    result.leakage, result.data_hash = leakage_warnings(exp, frame), key_data
    result.profile, result.drift, drift_notes = watch_data(exp, frame, Path(history) if history else None)
    result.notes = notes + drift_notes
    result.reserve_s, result.started_at = reserve, started
    if write:
        if warming is not None:
            warming.join()  # pyplot half-imported by the warm-up thread must not be imported again here
        _write(result, out, None if interrupted or harness_failed(rows) else history, progress)
        if exp.track.mlflow and not interrupted:
            track(result)
    result.wall_s = time.monotonic() - started
    progress("end", {})
    if interrupted:
        where = f"; partial result in {result.out_dir}" if result.out_dir else ""
        raise Interrupted(f"interrupted (Ctrl-C){where}; finish it with --resume", rows, result, result.out_dir)
    ckpt.clear()
    return result


def _load(exp: Experiment, progress: Progress) -> tuple[Frame, str]:
    """:func:`prepare` between the progress display's phases (closed if loading fails)."""
    progress("phase", {"text": "loading data"})
    try:
        frame, origin = prepare(exp)
    except BaseException:
        progress("end", {})
        raise
    progress("phase", {"text": "preparing candidates"})
    return frame, origin


def _checkpoint(exp: Experiment, key_data: str, resume: bool,
                checkpoint_dir: str | Path | None) -> tuple[Checkpoint, dict[str, Row]]:
    """The run's checkpoint and the rows it holds (when resuming; otherwise it is cleared)."""
    ckpt = Checkpoint.for_run(exp, run_key(exp, key_data), Path(checkpoint_dir) if checkpoint_dir else None)
    if resume:
        return ckpt, ckpt.load()
    ckpt.clear()
    return ckpt, {}


def _with_overrides(config: str | Path | Experiment, timebox: str | float | None, seed: int | None,
                    engine: str | None, workers: int | None = None) -> Experiment:
    """The experiment, with the command line's overrides applied (validated again)."""
    exp = config if isinstance(config, Experiment) else load_experiment(config)
    if all(v is None for v in (timebox, seed, engine, workers)):
        return exp
    from bakeoff.config import experiment_from_dict

    raw = exp.model_dump(exclude={"path"}, exclude_none=True)
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
        from bakeoff.store import record

        result.run_id = record(result, Path(history))


def _default_progress() -> Progress:
    """Live progress inside Jupyter; silence elsewhere (the CLI passes its own display)."""
    import sys

    if "ipykernel" in sys.modules:
        from rich.console import Console

        from bakeoff.report.live import LiveProgress

        return LiveProgress(Console())
    return lambda *_: None


def _warm_up(exp: Experiment, write: bool) -> Any:
    """Start the worker pool's forkserver, and import matplotlib for the report, while the data loads.

    Returns:
        The thread importing matplotlib (join it before drawing), or None.
    """
    if exp.executor.engine == "local":
        from bakeoff.executor import warm_up

        warm_up(exp.executor.threads)
    if write:
        import importlib
        import threading

        thread = threading.Thread(target=importlib.import_module, args=("matplotlib.pyplot",), daemon=True)
        thread.start()
        return thread
    return None


def harness_failed(rows: list[Row]) -> bool:
    """True when every candidate that ran FAILED because its worker died (not because of the candidate)."""
    ran = [r for r in rows if r.status is not Status.SKIPPED]
    return bool(ran) and all(r.status is Status.FAILED and r.message.startswith("the worker ") for r in ran)


def track(result: Result) -> None:
    """Log the written run to MLflow; a tracking server that fails becomes a note, never a lost run."""
    from bakeoff.track import log_result

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
    from bakeoff.store import previous_profile

    profile = frame_profile(frame.train, frame.holdout)
    if not exp.checks.drift:
        return profile, [], []
    prev = previous_profile(exp.name, db) if db else None
    within = exp.problem.kind != "customer_base"  # its training features are cut earlier on purpose
    notes = [f"Data drift: compared with the previous run {prev[0]}" + (" and holdout with train." if within else ".")
             if prev else f"Data drift: no previous run of {exp.name} in the history"
             + ("; holdout compared with train only." if within else "; nothing to compare with yet.")]
    flags = drift_flags(frame.train, frame.holdout, profile, prev[1] if prev else None, exp.checks.psi, within,
                        exp.checks.alpha)
    return profile, flags, notes


def climb(exp: Experiment, frame: Frame, specs: list[Spec], progress: Progress,
          stop: EarlyStop | None = None, *, done: dict[str, Row] | None = None,
          save: Callable[[Row], None] | None = None, deadline: float | None = None) -> list[Row]:
    """Run every candidate under the per-candidate and total boxes, ``[executor] workers`` at a time.

    Candidates from rung ``[ladder] sample_from_rung`` up fit on the seeded stratified training
    sample (:mod:`bakeoff.sampling`); the total box ends at ``deadline`` (``time.monotonic()``
    reading; default: ``[timebox].total`` from now).

    With several workers the highest rungs start first (the longest turns overlap the rest);
    each candidate is fitted and scored on its own, so the table does not depend on the order.
    With ``stop`` (``[ladder].early_stop``) candidates run one at a time in ladder order; each
    OK candidate below the top decision rung is also fitted on the inner training split and
    scored on the inner validation split (inside the total box), and candidates above two
    successive rungs shown not to improve on the best so far are SKIPPED with the reason. Rows
    in ``done`` (from a checkpoint) are reused; every new row is passed to ``save`` as soon as
    it finishes.

    Raises:
        Interrupted: On Ctrl-C, after the running workers were killed.
    """
    workdir = Path(tempfile.mkdtemp(prefix="bakeoff-"))
    state = Climb(len(specs))
    try:
        frames = _frame_files(exp, frame.without_truth(), workdir)
        deadline = time.monotonic() + exp.timebox.total if deadline is None else deadline
        workers = 1 if stop else workers_of(exp.executor.workers, exp.executor.engine)
        slots = workers if exp.executor.engine == "local" else 1
        launch, collect = make_launcher(exp, frames)
        order = list(range(len(specs)))
        if slots > 1:
            order.sort(key=lambda i: (-new_row(specs[i]).rung, i))
        progress("begin", {"total": exp.timebox.total, "n": len(specs), "workers": slots})
        turn = _Turn(exp, frame, list(frames), workdir, deadline, workers)
        turn.inner = _inner_turn(turn, stop) if stop else None
        try:
            while order or state.running:
                while order and len(state.running) < slots:
                    i = order.pop(0)
                    _start(turn, state, i, specs[i], stop, done or {}, launch, progress, save)
                for slot, outcome in poll(state, collect, progress):
                    _settle(state, slot.index, _outcome_row(slot.row, outcome), turn, progress, save,
                            specs[slot.index])
        except KeyboardInterrupt:
            _interrupted(state, specs, collect)
        return state.ordered()
    finally:
        progress("end", {})
        shutil.rmtree(workdir, ignore_errors=True)


def _frame_files(exp: Experiment, frame: Frame, workdir: Path) -> dict[str, Frame]:
    """The candidate frame (and the sampled one, when the training part is larger) written once for workers.

    Workers memory-map the files (:mod:`bakeoff.framefile`): one copy in the page cache for all of them.
    """
    frames = {str(workdir / "frame"): frame}
    sampled = sample_train(frame, exp.ladder.train_sample, exp.seed)
    if sampled is not frame:
        frames[str(workdir / "sample")] = sampled
    for path, part in frames.items():
        write_frame(part, Path(path))
    return frames


@dataclass
class _Turn:
    """What every candidate's turn shares: the experiment, the frame files (full, sampled), the deadline."""

    exp: Experiment
    frame: Frame
    frame_paths: list[str]
    workdir: Path
    deadline: float
    workers: int
    inner: _Turn | None = None
    stop: EarlyStop | None = None


def _inner_turn(turn: _Turn, stop: EarlyStop) -> _Turn:
    """The early stop's turn: the inner split's frame file, a blocking engine, the same deadline."""
    assert stop.frame is not None
    folder = turn.workdir / "inner"
    folder.mkdir()
    path = folder / "frame"
    write_frame(stop.frame, path)
    return _Turn(turn.exp, stop.frame, [str(path)], folder, turn.deadline, 1, stop=stop)


def _observe_inner(turn: _Turn, spec: Spec, i: int, row: Row) -> None:
    """Fit ``row``'s candidate on the inner split when its decision can still matter; feed the early stop."""
    inner = turn.inner
    if inner is None or inner.stop is None:
        return
    preds = None
    if row.ok and inner.stop.needs_inner(spec.name):
        task, box = _task(inner, spec, new_row(spec), i)
        if task is not None:
            outcome = make_executor(inner.exp, {inner.frame_paths[0]: inner.frame})(task, box)
            fitted = outcome.value if outcome.status is Status.OK else None
            preds = fitted.predictions if fitted is not None and fitted.ok else None
    row.inner_score = inner.stop.observe(spec.name, preds)


def _start(turn: _Turn, state: Climb, i: int, spec: Spec, stop: EarlyStop | None, done: dict[str, Row],
           launch: Launch, progress: Progress, save: Callable[[Row], None] | None) -> None:
    """Start candidate ``i``, or settle it at once (early stop, checkpoint, not applicable, box spent)."""
    row = new_row(spec)
    why = stop.before(stop.groups.get(row.name, row.rung)) if stop else None
    if why:
        row.status, row.message = Status.SKIPPED, why
    elif spec.name in done:
        row = done[spec.name]
    elif row.status is not Status.FAILED:  # FAILED already: its class cannot be loaded
        task, box = _task(turn, spec, row, i)
        if task is not None:
            progress("start", {"name": row.name, "rung": row.rung, "box": box})
            state.running.append(Slot(i, row, launch(task, box), Path(task.progress or "")))
            return
    _settle(state, i, row, turn, progress, save if row.status is not Status.SKIPPED and why is None
            and spec.name not in done else None, spec)


def _task(turn: _Turn, spec: Spec, row: Row, i: int) -> tuple[Task | None, float]:
    """The worker's task and box, or (None, 0) with ``row`` marked SKIPPED / FAILED."""
    try:
        spec.build().check_applicable(turn.frame.problem)
    except NotApplicable as exc:
        row.status, row.message, row.applicable = Status.SKIPPED, str(exc), False
        return None, 0.0
    except Exception as exc:
        row.status, row.message = Status.FAILED, f"{type(exc).__name__}: {exc}"
        return None, 0.0
    remaining = turn.deadline - time.monotonic()
    if remaining < MIN_START_S:
        row.status, row.message = Status.SKIPPED, "timebox exhausted"
        return None, 0.0
    box = min(turn.exp.timebox.per_candidate, remaining)
    ex, ml = turn.exp.executor, spec.rung >= turn.exp.ladder.sample_from_rung
    validate = turn.exp.value is not None and turn.exp.value.needs_validation(turn.frame.problem.kind)
    return Task(spec, turn.frame_paths[-1 if ml else 0], derive_seed(turn.exp.seed, spec.name),
                time.monotonic() + box, ex.threads, ex.memory_mb or default_memory_mb(), turn.workers,
                str(turn.workdir / f"progress-{i}.jsonl"), box, NESTED[ex.engine],
                validate=validate, chunk_rows=PREDICT_CHUNK_ROWS if ml else None), box


def _outcome_row(row: Row, outcome: Outcome) -> Row:
    if outcome.status is Status.OK:
        return outcome.value
    row.status, row.message, row.fit_s = outcome.status, outcome.message, outcome.elapsed
    row.traceback = outcome.traceback or None
    return row


def _settle(state: Climb, i: int, row: Row, turn: _Turn, progress: Progress,
            save: Callable[[Row], None] | None, spec: Spec | None = None) -> None:
    if save and row.status is not Status.SKIPPED:
        save(row)
    if turn.inner is not None and spec is not None:
        _observe_inner(turn, spec, i, row)
    state.rows[i] = row
    progress("done", row)


def _interrupted(state: Climb, specs: list[Spec], collect: Collect) -> None:
    """Kill running workers and raise :class:`Interrupted` with every unfinished candidate SKIPPED."""
    stop_all([s.handle for s in state.running if isinstance(s.handle, Launched)])
    for i, spec in enumerate(specs):
        if i not in state.rows:
            row = new_row(spec)
            row.status, row.message = Status.SKIPPED, "interrupted (Ctrl-C)"
            state.rows[i] = row
    raise Interrupted("interrupted (Ctrl-C)", state.ordered()) from None


def default_memory_mb() -> int:
    """Per-candidate address-space limit when none is configured: 60% of RAM, at least 4 GB."""
    import os

    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    return max(4096, int(total * 0.6))


def reports_bias(problem: Problem) -> bool:
    """True where a total bias (predicted vs actual total) means something: customer-base, count, binary."""
    return problem.kind == "customer_base" or problem.task in ("count", "binary")


def tabulate(exp: Experiment, frame: Frame, rows: list[Row], names: tuple[str, ...], origin: str,
             wall_s: float) -> Result:
    """Score OK rows on the holdout, add costs, CIs, dominance, the choice and the sentences."""
    assert frame.holdout_y is not None
    y = frame.holdout_y.to_numpy(dtype=float)
    preds = {r.name: r.predictions for r in rows if r.ok and r.predictions is not None}
    models = {r.name: r.model for r in rows if r.model}
    for r in rows:
        r.predictions, r.model = None, None
    scores = score_all(y, preds, names, rounds=exp.score.bootstrap, confidence=exp.score.confidence,
                       seed=exp.seed)
    for r in rows:
        if r.ok:
            r.metrics = scores.metrics[r.name]
            r.cost = cost_of(r, exp.cost, len(frame.train), len(frame.holdout))
            if reports_bias(frame.problem) and r.name in preds:
                r.bias_pct = METRICS["bias_pct"](y, preds[r.name])
    value = _value(exp, frame, rows, preds, y)
    annotate(rows, scores)
    champion = verdict(rows, scores)
    said = [champion["sentence"]] if champion else []
    choice = choose(rows, scores, exp.choose)
    chosen, reason, lines = choice.name, choice.reason, []
    if value is not None:
        chosen, reason, lines = _value_verdict(exp, value, rows, chosen, reason)
    table = to_frame(rows, names[0], chosen)
    best = next((r.vs_best_name for r in rows if r.vs_best_name), None)
    seg = segment_scores(frame.segments, y, preds, scores.primary)
    return Result(experiment=exp, rows=rows, table=table, primary=names[0], chosen=chosen,
                  reason=reason, champion=champion,
                  sentences=said + lines + sentences(rows, scores, exp.score.confidence),
                  origin=origin, wall_s=wall_s, n_train=len(frame.train), n_holdout=len(frame.holdout),
                  holdout_y=y, predictions=preds, problem=frame.problem, segments=seg,
                  segment_notes=ranking_flips(seg, scores.primary, best),
                  calibration=calibration_tables(frame.problem, frame.holdout, y, preds), models=models,
                  holdout=frame.holdout, train=frame.train, value=value,
                  alignment=frame.alignment.to_dict() if frame.alignment else None)


def _value(exp: Experiment, frame: Frame, rows: list[Row], preds: dict[str, np.ndarray], y: np.ndarray) -> Any:
    """The ``[value]`` report (None without the section); the rows' inner-validation data is dropped after."""
    if exp.value is None:
        return None
    from bakeoff.scoring import bootstrap_chunks
    from bakeoff.valuation import attach

    rounds = exp.score.bootstrap
    report = attach(exp.value, rows, frame.problem.kind, frame.problem.target, y, preds,
                    lambda: bootstrap_chunks(len(y), rounds, exp.seed) if rounds else [],
                    population=exp.value.population_per_month or exp.cost.predictions_per_month,
                    confidence=exp.score.confidence)
    for r in rows:
        r.validation = None
    return report


def _value_verdict(exp: Experiment, value: Any, rows: list[Row], chosen: str | None,
                   reason: str) -> tuple[str | None, str, list[str]]:
    """With ``[value]``: the dollar sentences, and the choice when ``rule = "max_net_value"``."""
    from bakeoff.judge import Judgement
    from bakeoff.value_choice import choose_net_value, value_sentences

    def judge(names: tuple[str, ...], point: Any, reps: Any, confidence: float) -> Judgement:
        return Judgement.from_replicates(names, point, reps, higher_is_better=True, confidence=confidence)

    ok = [r for r in rows if r.ok]
    verdict = choose_net_value(value, ok, judge, tolerance=exp.choose.tolerance,
                               relative=exp.choose.relative, confidence=exp.score.confidence)
    value.leaders = verdict.leaders
    lines = value_sentences(value, ok, verdict.leaders, exp.score.confidence)
    if exp.choose.rule == "max_net_value":
        return verdict.name, verdict.reason, lines
    return chosen, reason, lines
