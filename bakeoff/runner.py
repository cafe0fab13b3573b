"""Climb the ladder: run each candidate under its box, score, cost and tabulate."""

from __future__ import annotations

import pickle
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bakeoff.candidate import derive_seed
from bakeoff.checkpoint import Checkpoint, run_key
from bakeoff.config import Experiment, load_experiment
from bakeoff.cost import cost_of
from bakeoff.data import connect, data_hash, load_data
from bakeoff.diagnostics import calibration_tables, ranking_flips, segment_scores
from bakeoff.earlystop import EarlyStop
from bakeoff.errors import NotApplicable
from bakeoff.executor import Outcome, run_isolated
from bakeoff.frame import Frame, build_frame
from bakeoff.guards import check_sql_rules, leakage_warnings
from bakeoff.metrics import METRICS
from bakeoff.registry import Spec, resolve_ladder
from bakeoff.result import Result
from bakeoff.row import Row, Status
from bakeoff.scoring import metric_names, score_all
from bakeoff.tradeoff import annotate, choose, sentences, to_frame
from bakeoff.worker import Task, execute, new_row

MIN_START_S = 0.5
Progress = Callable[[str, Row], None]
Engine = Callable[[Task, float], Outcome]


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
        frame = build_frame(exp, con, origin)
    finally:
        con.close()
    metric_names(frame.problem, exp.score.primary, exp.score.metrics)
    return frame, origin


def run(config: str | Path | Experiment, *, timebox: str | float | None = None, seed: int | None = None,
        out: str | Path | None = None, engine: str | None = None, progress: Progress | None = None,
        write: bool = True, resume: bool = False, checkpoint_dir: str | Path | None = None,
        history: str | Path | None = "runs/bakeoff.duckdb") -> Result:
    """Run a bake-off and return its :class:`Result` (also written to ``out`` unless ``write=False``).

    Args:
        config: A TOML path or a loaded :class:`Experiment`.
        timebox: Overrides ``[timebox].total`` (``"2m"``, seconds).
        seed: Overrides ``[experiment].seed``.
        out: Output folder (default ``runs/<name>/<timestamp>/``).
        engine: Overrides ``[executor].engine`` (``local``, ``inline``, ``ray``).
        progress: Called with ("start" | "done", row) per candidate.
        write: Write results.json, tradeoff.csv and report.md.
        resume: Reuse candidates finished by an earlier, interrupted run of the same config.
        checkpoint_dir: Where finished candidates are persisted (default ``runs/<name>/``).
        history: The DuckDB run-history file a written run is recorded in (None: not recorded).

    Raises:
        KeyboardInterrupt: After Ctrl-C, once the partial result has been written.
    """
    exp = config if isinstance(config, Experiment) else load_experiment(config)
    if any(v is not None for v in (timebox, seed, engine)):
        from bakeoff.config import experiment_from_dict

        raw = exp.model_dump(exclude={"path"}, exclude_none=True)
        exp = experiment_from_dict(raw, path=exp.path, timebox=timebox, seed=seed, engine=engine)
    started = time.monotonic()
    frame, origin = prepare(exp)
    specs = resolve_ladder(exp)
    names = metric_names(frame.problem, exp.score.primary, exp.score.metrics)
    stop = None
    if exp.ladder.early_stop:
        assert frame.holdout_y is not None
        stop = EarlyStop(METRICS[names[0]], frame.holdout_y.to_numpy(float), exp.ladder.margin)
    check_sql_rules(specs, frame)
    key_data = data_hash(frame.train) + data_hash(frame.holdout)
    key = run_key(exp, key_data)
    ckpt = Checkpoint.for_run(exp, key, Path(checkpoint_dir) if checkpoint_dir else None)
    done = ckpt.load() if resume else {}
    if not resume:
        ckpt.clear()
    interrupted = False
    try:
        rows = climb(exp, frame, specs, progress or (lambda *_: None), stop, done=done, save=ckpt.save)
    except Interrupted as exc:
        rows, interrupted = exc.rows, True
    result = tabulate(exp, frame, rows, names, origin, time.monotonic() - started)
    result.leakage = leakage_warnings(exp, frame)
    result.data_hash = key_data
    if write:
        from bakeoff.report.files import write_outputs

        result.out_dir = write_outputs(result, out)
        if history and not interrupted:
            from bakeoff.store import record

            result.run_id = record(result, Path(history))
    if interrupted:
        raise KeyboardInterrupt(str(result.out_dir or ""))
    ckpt.clear()
    return result


class Interrupted(Exception):  # noqa: N818 - carries the rows finished before Ctrl-C
    """Ctrl-C during the climb; ``rows`` holds every candidate (the unfinished ones SKIPPED)."""

    def __init__(self, rows: list[Row]) -> None:
        super().__init__("interrupted")
        self.rows = rows


def climb(exp: Experiment, frame: Frame, specs: list[Spec], progress: Progress,
          stop: EarlyStop | None = None, *, done: dict[str, Row] | None = None,
          save: Callable[[Row], None] | None = None) -> list[Row]:
    """Run every candidate in ladder order under the per-candidate and total boxes.

    With ``stop`` (``[ladder].early_stop``), candidates above two successive rungs that did
    not improve on the best so far are SKIPPED with the reason. Rows in ``done`` (from a
    checkpoint) are reused; every new row is passed to ``save`` as soon as it finishes.

    Raises:
        Interrupted: On Ctrl-C, after the running worker was killed.
    """
    workdir = Path(tempfile.mkdtemp(prefix="bakeoff-"))
    try:
        frame_path = workdir / "frame.pkl"
        frame_path.write_bytes(pickle.dumps(frame.without_truth(), protocol=pickle.HIGHEST_PROTOCOL))
        deadline = time.monotonic() + exp.timebox.total
        executor = make_executor(exp, frame.without_truth())
        rows: list[Row] = []
        for i, spec in enumerate(specs):
            row = new_row(spec)
            progress("start", row)
            why = stop.before(row.rung) if stop else None
            if why:
                row.status, row.message = Status.SKIPPED, why
            elif done and spec.name in done:
                row = done[spec.name]
            elif row.status is not Status.FAILED:  # FAILED already: its class cannot be loaded
                try:
                    row = _turn(exp, frame, spec, executor, str(frame_path), deadline, row)
                except KeyboardInterrupt:
                    rest = [new_row(s) for s in specs[i:]]
                    for r in rest:
                        r.status, r.message = Status.SKIPPED, "interrupted (Ctrl-C)"
                    raise Interrupted(rows + rest) from None
                if save and row.status is not Status.SKIPPED:
                    save(row)
            if stop:
                stop.observe(row)
            rows.append(row)
            progress("done", row)
        return rows
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _turn(exp: Experiment, frame: Frame, spec: Spec, executor: Engine, frame_path: str,
          deadline: float, row: Row) -> Row:
    """The candidate's row after its turn: the worker's row, or ``row`` marked SKIPPED / FAILED / TIMEOUT."""
    try:
        spec.build().check_applicable(frame.problem)
    except NotApplicable as exc:
        row.status, row.message, row.applicable = Status.SKIPPED, str(exc), False
        return row
    except Exception as exc:  # noqa: BLE001
        row.status, row.message = Status.FAILED, f"{type(exc).__name__}: {exc}"
        return row
    remaining = deadline - time.monotonic()
    if remaining < MIN_START_S:
        row.status, row.message = Status.SKIPPED, "timebox exhausted"
        return row
    box = min(exp.timebox.per_candidate, remaining)
    task = Task(spec, frame_path, derive_seed(exp.seed, spec.name), time.monotonic() + box,
                exp.executor.threads, exp.executor.memory_mb or default_memory_mb())
    outcome = executor(task, box)
    if outcome.status is Status.OK:
        return outcome.value
    row.status, row.message, row.fit_s = outcome.status, outcome.message, outcome.elapsed
    return row


def default_memory_mb() -> int:
    """Per-candidate address-space limit when none is configured: 60% of RAM, at least 4 GB."""
    import os

    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    return max(4096, int(total * 0.6))


def make_executor(exp: Experiment, frame: Frame) -> Engine:
    """The function that runs one task under a box for the configured engine (OK: the worker's row)."""
    engine = exp.executor.engine
    if engine == "inline":
        return lambda task, box: Outcome(Status.OK, value=execute(task))
    if engine == "ray":
        from bakeoff.ray_executor import RayExecutor

        return RayExecutor(exp, frame)
    return _local


def _local(task: Task, box: float) -> Outcome:
    return run_isolated(execute, (task,), box, memory_mb=task.memory_mb)


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
    annotate(rows, scores)
    choice = choose(rows, scores, exp.choose)
    table = to_frame(rows, names[0], choice.name)
    best = next((r.vs_best_name for r in rows if r.vs_best_name), None)
    seg = segment_scores(frame.segments, y, preds, scores.primary)
    return Result(experiment=exp, rows=rows, table=table, primary=names[0], chosen=choice.name,
                  reason=choice.reason, sentences=sentences(rows, scores, exp.score.confidence),
                  origin=origin, wall_s=wall_s, n_train=len(frame.train), n_holdout=len(frame.holdout),
                  holdout_y=y, predictions=preds, problem=frame.problem, segments=seg,
                  segment_notes=ranking_flips(seg, scores.primary, best),
                  calibration=calibration_tables(frame.problem, frame.holdout, y, preds), models=models,
                  holdout=frame.holdout)
