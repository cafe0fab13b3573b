"""What runs inside a worker: build, fit, predict and measure one candidate.

The function :func:`execute` is the same whichever executor calls it (a forked
worker, a Ray task, or inline in tests); it returns the candidate's :class:`Row`
with what it measured (OK), or FAILED with the reason.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import sys
import time
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bakeoff.candidates.contract import Budget, Capabilities
from bakeoff.candidates.modelfile import dump_model
from bakeoff.candidates.registry import Spec
from bakeoff.climb.inner import validation_predictions
from bakeoff.core.errors import CandidateError, NotApplicable
from bakeoff.core.jsonable import plain
from bakeoff.core.measure import Stopwatch, billed, model_kb, peak_rss_mb
from bakeoff.core.records import Blobs, Finished, Row, Status
from bakeoff.cost import probecache
from bakeoff.cost.probe import (
    FIT_ALLOWANCE_S,
    PREDICT_ALLOWANCE_S,
    Fitting,
    Probed,
    probe,
)
from bakeoff.data.frame import Frame
from bakeoff.data.framefile import read_frame
from bakeoff.data.horizon import to_horizon

POOL_THREADS = "BAKEOFF_POOL_THREADS"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass(frozen=True)
class Task:
    """One candidate's job: its spec, where the frame is, its seed and budget."""

    spec: Spec
    frame_path: str
    seed: int
    deadline: float
    threads: int = 1
    memory_mb: int | None = None
    workers: int = 1
    progress: str | None = None
    box: float | None = None
    isolation: str = "forkserver"
    validate: bool = False
    chunk_rows: int | None = None
    probe_key: str | None = None  # the cost probes' entry in the probe cache (None: the cache is off)
    cache_dir: str | None = None  # the probe cache's folder (bakeoff.cost.probecache.folder() of the runner)


_FRAMES: dict[str, Frame] = {}


def load_frame(path: str) -> Frame:
    """Load (and cache per process) the candidate frame written by the runner (memory-mapped)."""
    if path not in _FRAMES:
        _FRAMES.clear()
        _FRAMES[path] = read_frame(Path(path))
    return _FRAMES[path]


def new_row(spec: Spec) -> Row:
    """A candidate's row before its turn: name, rung, family and summary (FAILED if its class cannot load)."""
    try:
        cls = spec.cls()
        return Row(name=spec.name, rung=spec.rung, family=cls.family, summary=cls.summary)
    except Exception as exc:  # a broken plugin becomes a FAILED row
        rung = 9 if spec.rung_override is None else spec.rung_override
        return Row(name=spec.name, rung=rung, family="?", status=Status.FAILED,
                   message=f"cannot load {spec.target}: {exc}")


def execute_with_frame(task: Task, frame: Frame) -> Finished:
    """:func:`execute` with the frame handed over in memory (Ray tasks) instead of read from a file."""
    _FRAMES.clear()
    _FRAMES[task.frame_path] = frame
    return execute(task)


def execute(task: Task) -> Finished:
    """Fit and predict one candidate; never raises (a failure is a FAILED row)."""
    row = new_row(task.spec)
    try:
        measured, blobs = _execute(task)
    except NotApplicable as exc:  # found only on the data (no feature a rule can read, say)
        return Finished(replace(row, status=Status.SKIPPED, message=str(exc), applicable=False))
    except Exception as exc:  # every failure becomes a row
        return Finished(replace(row, status=Status.FAILED, message=failure_message(exc),
                                traceback="".join(traceback.format_exception(exc))))
    return Finished(replace(row, **measured), blobs)


def failure_message(exc: BaseException) -> str:
    """One line for an exception, with where it happened."""
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {msg}{where}"


def _execute(task: Task) -> tuple[dict[str, Any], Blobs]:
    """Fit, predict and measure: the row's measured values, and what is kept beside the row."""
    limit_threads(task.threads)
    frame = load_frame(task.frame_path)
    cand = task.spec.build()
    # the box counts from when the worker starts (the first start may wait for the forkserver's preloads)
    deadline = time.monotonic() + task.box if task.box is not None else task.deadline
    budget = Budget(deadline, task.threads, task.workers, task.progress, task.isolation)
    printed: list[str] = []
    with _thread_limits(task.threads), warnings.catch_warnings(record=True) as caught, \
            captured_output(Path(task.frame_path).parent / f"{task.spec.name}.out", printed):
        warnings.simplefilter("always")
        with Stopwatch() as fit:
            cand.fit(frame, budget=budget, seed=task.seed)
        if (own := Capabilities.billed_fit(cand)) is not None:
            fit = Stopwatch(*own)
        with Stopwatch() as pred:
            raw = predict_in_chunks(cand, frame, task.chunk_rows)
        with Stopwatch() as retiming:
            pred = _retime(cand, frame, pred, budget)
        rss = peak_rss_mb()  # before the cost probes, whose grown copies of the data are not the candidate's
        with Stopwatch() as probing:
            probed, cached = _probe_or_reuse(task, cand, frame, billed(fit, task.threads), billed(pred), budget)
    predictions = check_predictions(raw, frame, task.spec.name)
    native, factor = Capabilities.of(cand).horizon_native, None
    if not native:
        predictions, factor = to_horizon(predictions, frame.problem.task, frame.alignment,
                                         frame.problem.horizon_scale)
    validation = None
    if task.validate:
        prob = frame.problem
        validation = validation_predictions(
            Capabilities.validation_build(cand, task.spec.build), frame, budget, task.seed,
            lambda p: p if native else to_horizon(p, prob.task, frame.alignment, prob.horizon_scale)[0],
            Capabilities.validation_seconds(cand))
    model = _model_file(cand)  # written once: its size is the model size
    measured = {
        "status": Status.OK, "message": "", "fit_s": fit.wall, "fit_cpu_s": fit.cpu, "predict_s": pred.wall,
        "predict_cpu_s": pred.cpu, "predict_ms_per_1k": 1000.0 * pred.wall / max(len(frame.holdout), 1) * 1000.0,
        "model_kb": len(model) / 1024.0 if model is not None else model_kb(cand), "peak_rss_mb": rss,
        "threads": task.threads, "params": plain(cand.describe(), finite=True),
        "warnings": _warning_lines(caught) + printed,
        "train_rows": len(frame.train), "horizon_factor": factor, "predict_points": probed.points_predict,
        "fit_points": probed.points_fit, "fit_censored": probed.fit_censored,
        "in_warehouse": probed.warehouse, "probe_s": probing.wall + retiming.wall,
        "probe_cached": cached,
    }
    return measured, Blobs(predictions, model, validation)


def _probe_or_reuse(task: Task, cand: Any, frame: Frame, fit_s: float, predict_s: float,
                    budget: Budget) -> tuple[Probed, bool]:
    """The cost probes' points, reused from :mod:`bakeoff.cost.probecache` when the same probes ran before.

    New points are kept only when the box left the probes their full allowance (a probe cut short
    by a nearly spent box is a lesser measurement, not worth repeating in later runs).
    """
    name, folder = task.probe_key, Path(task.cache_dir) if task.cache_dir else None
    if name is not None:
        cached = probecache.lookup(name, folder)
        if cached is not None:
            return cached, True
    probed = probe(Fitting(task.spec.build, budget, task.seed, task.threads), cand, frame, fit_s=fit_s,
                   predict_s=predict_s)
    if name is not None and budget.remaining() >= 4 * (FIT_ALLOWANCE_S + PREDICT_ALLOWANCE_S):
        probecache.store(name, probed, folder)
    return probed, False


def predict_in_chunks(cand: Any, frame: Frame, chunk_rows: int | None) -> Any:
    """``cand.predict`` over the holdout, ``chunk_rows`` rows at a time (None: in one call).

    Row-wise models (the ML rungs, and candidates that declare ``predicts_rowwise``, like the GLM)
    predict large holdouts in chunks so their design matrices stay small; rules that look at the
    whole holdout (quantiles) get it whole.
    """
    n = len(frame.holdout)
    if not chunk_rows or n <= chunk_rows:
        return cand.predict(frame)
    parts = []
    for start in range(0, n, chunk_rows):
        part = dataclasses.replace(frame, holdout=frame.holdout.iloc[start:start + chunk_rows])
        parts.append(check_predictions(cand.predict(part), part, getattr(cand, "name", "candidate")))
    return np.concatenate(parts)


@contextlib.contextmanager
def captured_output(path: Path, lines: list[str], most: int = 3) -> Iterator[None]:
    """In a worker process, send what the candidate and its libraries print (file descriptors 1 and 2) to
    ``path`` instead of the terminal, whose live progress display it would tear; its last lines are appended to
    ``lines`` (``printed: ...``) for the row's warnings. In the main process (the inline engine) nothing moves."""
    if multiprocessing.parent_process() is None or not path.parent.is_dir():
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with path.open("ab") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in zip((1, 2), saved, strict=True):
                os.dup2(copy, fd)
                os.close(copy)
    text = path.read_text(errors="replace").strip().splitlines()
    lines += [f"printed: {line[:200]}" for line in text[-most:] if line.strip()]


def _warning_lines(caught: list[warnings.WarningMessage], most: int = 5) -> list[str]:
    """Distinct warnings about the fit; libraries' deprecation notices (import-time noise) are left out."""
    seen: list[str] = []
    for w in caught:
        if issubclass(w.category, DeprecationWarning | PendingDeprecationWarning | FutureWarning) \
                or "Deprecat" in w.category.__name__ or w.category.__name__.startswith("Pandas"):
            continue
        line = f"{w.category.__name__}: {str(w.message).splitlines()[0][:200]}"
        if line not in seen:
            seen.append(line)
    return seen[:most]


def _retime(cand: Any, frame: Frame, first: Stopwatch, budget: Budget) -> Stopwatch:
    """Fast predictions are timed again (up to 3 more calls within 0.15 s) and the fastest kept, like timeit."""
    best = first
    spent = first.wall
    for _ in range(3):
        if spent > 0.15 or first.wall > 0.05 or budget.remaining() < 1.0:
            break
        with Stopwatch() as again:
            cand.predict(frame)
        spent += again.wall
        if again.wall < best.wall:
            best = again
    return best


def _model_file(cand: Any, most: int = 256 * 1024 * 1024) -> bytes | None:
    """The fitted candidate's model file (for export and the champion), or None when it cannot be written
    or is too large."""
    try:
        blob = dump_model(cand)
    except Exception:  # noqa: BLE001 - export is then unavailable for this candidate
        return None
    return blob if blob is not None and len(blob) <= most else None


def _thread_limits(count: int) -> Any:
    """Limit BLAS/OpenMP pools to ``n`` threads; a no-op when the process started with them at ``n``.

    Workers forked from a forkserver started by :func:`bakeoff.climb.executor.warm_up` loaded their
    libraries with the thread variables already at ``n`` (``BAKEOFF_POOL_THREADS``), which spares
    threadpoolctl's scan of the loaded libraries (~70 ms per candidate).
    """
    import contextlib

    if os.environ.get(POOL_THREADS) == str(count):
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=count)


def limit_threads(count: int) -> None:
    """Ask BLAS/OpenMP libraries loaded later to use ``n`` threads."""
    for var in THREAD_VARS:
        os.environ[var] = str(count)


def check_predictions(raw: Any, frame: Frame, name: str) -> np.ndarray:
    """Align predictions with the holdout and refuse wrong lengths, keys or non-finite values."""
    n = len(frame.holdout)
    if isinstance(raw, pd.Series):
        if len(raw) != n:
            raise CandidateError(f"{name} returned {len(raw)} predictions for {n} holdout rows.")
        if not raw.index.equals(frame.holdout.index):
            missing = frame.holdout.index.difference(raw.index)
            if len(missing):
                raise CandidateError(f"{name} returned no prediction for {len(missing)} holdout keys "
                                     f"(e.g. {missing[0]!r}).")
            raw = raw.reindex(frame.holdout.index)
        values = raw.to_numpy(dtype=float)
    else:
        values = np.asarray(raw, dtype=float).ravel()
        if len(values) != n:
            raise CandidateError(f"{name} returned {len(values)} predictions for {n} holdout rows.")
    bad = int((~np.isfinite(values)).sum())
    if bad:
        raise CandidateError(f"{name} returned {bad} NaN or infinite predictions out of {n}.")
    return values
