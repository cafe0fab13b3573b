"""Run candidates as Ray tasks under the same hard per-candidate box.

The frame goes to the cluster once (``ray.put``); each candidate is one task
(``max_retries=0``), waited on with ``ray.wait`` until its deadline and stopped with
``ray.cancel(force=True)``, which kills the worker process even inside C code.
Candidates run one at a time, so a task never waits for a slot and the box
measures run time. Ray is optional: ``pip install -e ".[ray]"``.
"""

from __future__ import annotations

import time

from bakeoff.config import Experiment
from bakeoff.errors import BakeoffError
from bakeoff.executor import Outcome
from bakeoff.frame import Frame
from bakeoff.row import Status
from bakeoff.worker import Task, execute_with_frame


class RayExecutor:
    """Callable ``(task, box) -> Outcome`` (OK: the worker's row) backed by Ray."""

    def __init__(self, exp: Experiment, frame: Frame) -> None:
        try:
            import ray
        except ImportError:
            raise BakeoffError('[executor].engine = "ray" needs Ray: pip install -e ".[ray]"') from None
        self.ray = ray
        if not ray.is_initialized():
            ray.init(address=exp.executor.address, num_cpus=exp.executor.num_cpus, include_dashboard=False,
                     log_to_driver=False, ignore_reinit_error=True)
        self.frame_ref = ray.put(frame)
        self.remote = ray.remote(max_retries=0, num_cpus=exp.executor.threads)(execute_with_frame)

    def __call__(self, task: Task, box: float) -> Outcome:
        ray = self.ray
        start = time.monotonic()
        ref = self.remote.remote(task, self.frame_ref)
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
