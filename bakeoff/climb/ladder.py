"""Run candidates' turns up to ``[executor] workers`` at a time, each in its own hard box.

The local engine starts workers without waiting for them (:func:`bakeoff.candidates.isolation.launch`)
and collects them as they finish or pass their deadline; the Ray and inline engines run
one turn at a time through a blocking call. Each candidate is fitted and scored on its
own, with its own seed, so the table does not depend on the order or the concurrency
(timings aside). While candidates run, their progress files (written by
``Budget.report``) are read and passed on as ``tick`` events, and a ``beat`` event is
sent a few times a second so live displays can move their clocks.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bakeoff.candidates.contract import Capabilities
from bakeoff.candidates.isolation import NESTED, Launched, Outcome, stop_all
from bakeoff.candidates.registry import Spec
from bakeoff.climb.earlystop import EarlyStop
from bakeoff.climb.executor import make_executor
from bakeoff.climb.prestart import make_launcher
from bakeoff.climb.worker import Task, new_row
from bakeoff.config.experiment import Experiment
from bakeoff.core.errors import Interrupted, NotApplicable
from bakeoff.core.records import Blobs, Finished, Row, Status
from bakeoff.core.seeds import derive_seed
from bakeoff.cost import probecache
from bakeoff.data.frame import Frame
from bakeoff.data.framefile import work_folder, write_frame
from bakeoff.data.sampling import sample_train

MIN_START_S = 0.5
PREDICT_CHUNK_ROWS = 250_000
Progress = Callable[[str, Any], None]
Launch = Callable[[Task, float], Any]
Collect = Callable[[list[Any], float], list[tuple[Any, Any]]]

POLL_S = 0.25


def workers_of(configured: int | None, engine: str) -> int:
    """Workers for a run: ``[executor] workers``, else the number of cores (one for the inline engine)."""
    if engine == "inline":
        return 1
    return max(1, configured or os.cpu_count() or 1)


@dataclass
class Slot:
    """A candidate that is running: its index in the ladder, its row so far, its worker and progress file."""

    index: int
    row: Row
    handle: Any
    progress: Path
    seen: int = 0


@dataclass
class Climb:
    """The state of one climb: finished rows by ladder index and the running slots."""

    n: int
    rows: dict[int, Row] = field(default_factory=dict)
    running: list[Slot] = field(default_factory=list)
    blobs: dict[str, Blobs] = field(default_factory=dict)

    def ordered(self) -> list[Row]:
        """The finished rows in ladder order."""
        return [self.rows[i] for i in sorted(self.rows)]


@dataclass(frozen=True)
class Climbed:
    """What a climb returns: every candidate's row in ladder order, and the OK candidates' blobs by name."""

    rows: list[Row]
    blobs: dict[str, Blobs]


def read_progress(slot: Slot) -> dict[str, Any] | None:
    """The newest record a running candidate appended to its progress file, if any is new."""
    try:
        size = slot.progress.stat().st_size
    except OSError:
        return None
    if size <= slot.seen:
        return None
    with slot.progress.open("rb") as fh:
        fh.seek(max(slot.seen, size - 4096))
        lines = fh.read(size - fh.tell()).decode("utf-8", "replace").splitlines()
    slot.seen = size
    for line in reversed(lines):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            return record
    return None


def poll(climb: Climb, collect: Callable[[list[Any], float], list[tuple[Any, Any]]],
         progress: Callable[[str, Any], None]) -> list[tuple[Slot, Any]]:
    """Wait briefly for running workers; pass on their progress; return (slot, outcome) of finished ones."""
    finished = collect([s.handle for s in climb.running], POLL_S)
    out = []
    for handle, outcome in finished:
        slot = next(s for s in climb.running if s.handle is handle)
        climb.running.remove(slot)
        out.append((slot, outcome))
    for slot in climb.running:
        record = read_progress(slot)
        if record:
            progress("tick", {"name": slot.row.name, **record})
    progress("beat", {})
    return out


@dataclass(frozen=True)
class ClimbPlan:
    """How a climb runs beside its ladder: the early stop, a checkpoint's rows, and where the box ends.

    Attributes:
        stop: The ladder's early stop (``[ladder].early_stop``), or None.
        done: Candidates a checkpoint already holds, by name (reused, not run again).
        save: Called with every newly finished candidate at once (the checkpoint), or None.
        deadline: ``time.monotonic()`` reading where the total box ends (default: ``[timebox].total`` from now).
    """

    stop: EarlyStop | None = None
    done: dict[str, Finished] = field(default_factory=dict)
    save: Callable[[Finished], None] | None = None
    deadline: float | None = None


def climb(exp: Experiment, frame: Frame, specs: list[Spec], progress: Progress,
          plan: ClimbPlan | None = None) -> Climbed:
    """Run every candidate under the per-candidate and total boxes, ``[executor] workers`` at a time.

    Candidates from rung ``[ladder] sample_from_rung`` up fit on the seeded stratified training
    sample (:mod:`bakeoff.data.sampling`); the total box ends at ``plan.deadline``.

    With several workers the ``slots - 1`` highest-rung candidates start first (their long turns
    overlap the rest), the others climb in ladder order; each candidate is fitted and scored on
    its own, so the table does not depend on the order. With ``plan.stop`` (``[ladder].early_stop``)
    candidates run one at a time; each OK candidate below the top decision rung is also scored on
    the inner validation split, and candidates above two successive rungs shown not to improve
    on the best so far are SKIPPED with the reason. Rows in ``plan.done`` (a checkpoint) are reused;
    every new row is passed to ``plan.save`` as soon as it finishes.

    Raises:
        Interrupted: On Ctrl-C, after the running workers were killed.
    """
    plan = plan or ClimbPlan()
    stop = plan.stop
    workdir = work_folder()
    state = Climb(len(specs))
    try:
        frames = _frame_files(exp, frame.without_truth(), workdir)
        deadline = time.monotonic() + exp.timebox.total if plan.deadline is None else plan.deadline
        workers = 1 if stop else workers_of(exp.executor.workers, exp.executor.engine)
        slots = workers if exp.executor.engine == "local" else 1
        order = start_order([new_row(s).rung for s in specs], slots)
        turn = _Turn(exp, frame, list(frames), workdir, deadline, workers, digests=_digests(exp, frames),
                     plan=plan, progress=progress)
        launch, collect, close = make_launcher(
            exp, frames, lambda path: any(frame_path(turn.frame_paths, specs[i], exp) == path for i in order))
        progress("begin", {"total": exp.timebox.total, "n": len(specs), "workers": slots})
        turn.inner = _inner_turn(turn, stop) if stop else None
        try:
            while order or state.running:
                while order and len(state.running) < slots:
                    i = order.pop(0)
                    _start(turn, state, i, specs[i], launch)
                for slot, outcome in poll(state, collect, progress):
                    _settle(turn, state, slot.index, _finished(slot.row, outcome), specs[slot.index])
        except KeyboardInterrupt:
            _interrupted(state, specs, collect)
        finally:
            close()
        return Climbed(state.ordered(), state.blobs)
    finally:
        progress("end", {})
        shutil.rmtree(workdir, ignore_errors=True)


def _digests(exp: Experiment, frames: dict[str, Frame]) -> dict[str, str]:
    """Frame path -> digest of its files, for the probe cache; none when it is off or candidates run on Ray
    (their probes run on other machines than the one the key would name)."""
    if not exp.cost.probe_cache or exp.executor.engine == "ray":
        return {}
    return {path: probecache.digest_files([Path(path)]) for path in frames}


def _frame_files(exp: Experiment, frame: Frame, workdir: Path) -> dict[str, Frame]:
    """The candidate frame (and the sampled one, when the training part is larger) written once for workers.

    Workers memory-map the files (:mod:`bakeoff.data.framefile`): one copy in the page cache for all of them.
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
    digests: dict[str, str] = field(default_factory=dict)  # frame path -> digest, for the probe cache
    plan: ClimbPlan = field(default_factory=ClimbPlan)
    progress: Progress = field(default=lambda *_: None)


def _inner_turn(turn: _Turn, stop: EarlyStop) -> _Turn:
    """The early stop's turn: the inner split's frame file, a blocking engine, the same deadline."""
    assert stop.frame is not None
    folder = turn.workdir / "inner"
    folder.mkdir()
    path = folder / "frame"
    write_frame(stop.frame, path)
    return _Turn(turn.exp, stop.frame, [str(path)], folder, turn.deadline, 1, stop=stop)


def _observe_inner(turn: _Turn, spec: Spec, index: int, row: Row) -> Row:
    """Fit ``row``'s candidate on the inner split when its decision can still matter; feed the early stop.

    Returns:
        The row with its ``inner_score`` (unchanged without an early stop).
    """
    inner = turn.inner
    if inner is None or inner.stop is None:
        return row
    preds = None
    if row.ok and inner.stop.needs_inner(spec.name):
        task, _ = _task(inner, spec, new_row(spec), index)
        if task is not None:
            outcome = make_executor(inner.exp, {inner.frame_paths[0]: inner.frame})(task, task.box)
            fitted = outcome.value if outcome.status is Status.OK else None
            preds = fitted.blobs.predictions if fitted is not None and fitted.row.ok else None
    return replace(row, inner_score=inner.stop.observe(spec.name, preds))


def _start(turn: _Turn, state: Climb, index: int, spec: Spec, launch: Launch) -> None:
    """Start candidate ``index``, or settle it at once (early stop, checkpoint, not applicable, box spent)."""
    stop, done = turn.plan.stop, turn.plan.done
    row = new_row(spec)
    why = stop.before(stop.groups.get(row.name, row.rung)) if stop else None
    if why:
        row = replace(row, status=Status.SKIPPED, message=why)
    elif spec.name in done:
        _settle(turn, state, index, done[spec.name], spec, save=False)
        return
    elif row.status is not Status.FAILED:  # FAILED already: its class cannot be loaded
        task, row = _task(turn, spec, row, index)
        if task is not None:
            turn.progress("start", {"name": row.name, "rung": row.rung, "box": task.box})
            state.running.append(Slot(index, row, launch(task, task.box), Path(task.progress or "")))
            return
    _settle(turn, state, index, Finished(row), spec, save=row.status is not Status.SKIPPED and why is None)


def _task(turn: _Turn, spec: Spec, row: Row, index: int) -> tuple[Task | None, Row]:
    """The worker's task (its ``box`` set) and the row with its box, or None and the row SKIPPED / FAILED."""
    try:
        cand = spec.build()
        cand.check_applicable(turn.frame.problem)
    except NotApplicable as exc:
        return None, replace(row, status=Status.SKIPPED, message=str(exc), applicable=False)
    except Exception as exc:
        return None, replace(row, status=Status.FAILED, message=f"{type(exc).__name__}: {exc}")
    remaining = turn.deadline - time.monotonic()
    if remaining < MIN_START_S:
        return None, replace(row, status=Status.SKIPPED, message="timebox exhausted")
    box = min(candidate_box(turn.exp, cand), remaining)
    ex = turn.exp.executor
    able = Capabilities.of(cand)
    rowwise = spec.rung >= turn.exp.ladder.sample_from_rung or able.predicts_rowwise
    validate = turn.exp.value is not None and turn.exp.value.needs_validation(turn.frame.problem.kind)
    path, seed = frame_path(turn.frame_paths, spec, turn.exp), derive_seed(turn.exp.seed, spec.name)
    key = probecache.key(spec.target, spec.params, type(cand), turn.digests[path], ex.threads, seed) \
        if path in turn.digests and not able.fills_box else None
    return Task(spec, path, seed, time.monotonic() + box, ex.threads, ex.memory_mb or default_memory_mb(),
                turn.workers, str(turn.workdir / f"progress-{index}.jsonl"), box, NESTED[ex.engine],
                validate=validate, chunk_rows=PREDICT_CHUNK_ROWS if rowwise else None,
                probe_key=key, cache_dir=str(probecache.folder()) if key else None), replace(row, box_s=box)


def frame_path(paths: list[str], spec: Spec, exp: Experiment) -> str:
    """The frame file a candidate reads: the sampled one (last) from rung ``[ladder] sample_from_rung`` up."""
    return paths[-1 if spec.rung >= exp.ladder.sample_from_rung else 0]


def candidate_box(exp: Experiment, cand: Any) -> float:
    """``[timebox] per_candidate``, or for a box-filling tuner its own box (see ``TimeboxSection``)."""
    return exp.timebox.tuner_box() if Capabilities.of(cand).fills_box else exp.timebox.per_candidate


def _finished(row: Row, outcome: Outcome) -> Finished:
    """The worker's row and blobs (OK), or ``row`` marked with how the isolated call ended."""
    if outcome.status is Status.OK:
        return Finished(replace(outcome.value.row, box_s=row.box_s), outcome.value.blobs)
    return Finished(replace(row, status=outcome.status, message=outcome.message, fit_s=outcome.elapsed,
                            traceback=outcome.traceback or None))


def _settle(turn: _Turn, state: Climb, index: int, finished: Finished, spec: Spec, *, save: bool = True) -> None:
    """Record a finished candidate: checkpoint it, feed the early stop, show it."""
    row = finished.row
    if save and turn.plan.save and row.status is not Status.SKIPPED:
        turn.plan.save(finished)
    if turn.inner is not None:
        row = _observe_inner(turn, spec, index, row)
    state.rows[index] = row
    if row.ok:
        state.blobs[row.name] = finished.blobs
    turn.progress("done", row)


def _interrupted(state: Climb, specs: list[Spec], collect: Collect) -> None:
    """Kill running workers and raise :class:`Interrupted` with every unfinished candidate SKIPPED."""
    stop_all([s.handle for s in state.running if isinstance(s.handle, Launched)])
    for i, spec in enumerate(specs):
        if i not in state.rows:
            state.rows[i] = replace(new_row(spec), status=Status.SKIPPED, message="interrupted (Ctrl-C)")
    raise Interrupted("interrupted (Ctrl-C)", state.ordered(), blobs=dict(state.blobs)) from None


def default_memory_mb() -> int:
    """Per-candidate address-space limit when none is configured: 60% of RAM, at least 4 GB."""
    import os

    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    return max(4096, int(total * 0.6))


def start_order(rungs: list[int], slots: int) -> list[int]:
    """The order candidates are started in: with ``slots`` workers, the ``slots - 1`` highest rungs first
    (their long turns overlap the rest), then everything else in ladder order (cheap rungs first, so
    a total box that runs out never leaves the simple baselines unevaluated).
    """
    ladder = list(range(len(rungs)))
    if slots <= 1:
        return ladder
    top = sorted(ladder, key=lambda i: (-rungs[i], i))[: slots - 1]
    return top + [i for i in ladder if i not in top]
