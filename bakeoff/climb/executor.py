"""The engines that run candidates (``[executor].engine``), built by :func:`bakeoff.climb.prestart.make_launcher`.

``local`` (non-blocking forkserver workers, :func:`bakeoff.candidates.isolation.launch` /
``collect``), ``inline`` (in this process, for tests and debugging) and ``ray``
(:class:`RayEngine`: one Ray task per candidate, stopped with ``ray.cancel(force=True)``; Ray is
started here and nowhere else). Each engine tells its candidates how to isolate their own nested
work through ``Budget.isolation`` (:data:`bakeoff.candidates.isolation.NESTED`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from bakeoff.candidates.isolation import Outcome, context, hidden_main, run_isolated
from bakeoff.core.records import Status


def warm_up(threads: int = 1) -> None:
    """Start the forkserver now (it preloads the heavy libraries while the caller loads data).

    It starts with the BLAS/OpenMP thread variables at ``threads``, so the libraries it preloads
    size their pools once and workers need not limit them again; this process's own environment
    is restored at once.
    """
    from multiprocessing import forkserver

    from bakeoff.climb.worker import POOL_THREADS, THREAD_VARS

    context("forkserver")
    names = (*THREAD_VARS, POOL_THREADS)
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update({k: str(threads) for k in names})
    try:
        with hidden_main():
            forkserver.ensure_running()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


Engine = Callable[[Any, float], Outcome]
Launch = Callable[[Any, float], Any]
Collect = Callable[[list[Any], float], list[tuple[Any, Any]]]


def make_executor(exp: Any, frames: dict[str, Any]) -> Engine:
    """The blocking function that runs one task under a box for the Ray or inline engine."""
    from bakeoff.climb.worker import execute

    engine = exp.executor.engine
    if engine == "ray":
        return RayEngine(exp, frames)
    if engine == "inline":
        return lambda task, box: Outcome(Status.OK, value=execute(task))
    return lambda task, box: run_isolated(execute, (task,), box, memory_mb=task.memory_mb)


def start_ray(address: str | None = None, num_cpus: int | None = None) -> Any:
    """The ``ray`` module, started (or joined at ``address``) once; the one place Ray is started.

    Raises:
        BakeoffError: When Ray is not installed, with the command that installs it.
    """
    from bakeoff.core.errors import BakeoffError

    try:
        import ray
    except ImportError:
        raise BakeoffError('[executor].engine = "ray" needs Ray: pip install -e ".[ray]"') from None
    if not ray.is_initialized():
        ray.init(address=address, num_cpus=num_cpus, include_dashboard=False, log_to_driver=False,
                 ignore_reinit_error=True)
    return ray


class RayEngine:
    """Candidates as Ray tasks under the same hard per-candidate box.

    The frame goes to the cluster once (``ray.put``); each candidate is one task
    (``max_retries=0``), waited on with ``ray.wait`` until its deadline and stopped with
    ``ray.cancel(force=True)``, which kills the worker process even inside C code.
    Candidates run one at a time, so a task never waits for a slot and the box measures
    run time. Ray is optional: ``pip install -e ".[ray]"``.
    """

    def __init__(self, exp: Any, frames: dict[str, Any]) -> None:
        from bakeoff.climb.worker import execute_with_frame

        self.ray = start_ray(exp.executor.address, exp.executor.num_cpus)
        self.frame_refs = {path: self.ray.put(frame) for path, frame in frames.items()}
        self.remote = self.ray.remote(max_retries=0, num_cpus=exp.executor.threads)(execute_with_frame)

    def __call__(self, task: Any, box: float) -> Outcome:
        """Run ``task`` as a Ray task; OK carries the worker's row."""
        ray = self.ray
        start = time.monotonic()
        ref = self.remote.remote(task, self.frame_refs[task.frame_path])
        ready, _ = ray.wait([ref], timeout=max(box, 0.0))
        elapsed = time.monotonic() - start
        if not ready:
            ray.cancel(ref, force=True)
            return Outcome(Status.TIMEOUT, message=f"killed at the {box:.1f}s box (ray.cancel)", elapsed=elapsed)
        try:
            return Outcome(Status.OK, value=ray.get(ref), elapsed=elapsed)
        except (ray.exceptions.TaskCancelledError, ray.exceptions.WorkerCrashedError) as exc:
            return Outcome(Status.FAILED, message=f"the Ray worker died: {type(exc).__name__}", elapsed=elapsed)
        except ray.exceptions.RayError as exc:
            first = str(exc).strip().splitlines()[0][:300]
            return Outcome(Status.FAILED, message=f"{type(exc).__name__}: {first}", elapsed=elapsed)
